"""Who is who: the caller's own talent row and jobs, and display labels for matched rows."""
