"""What the public sees without logging in: the status page and the satisfaction link."""
