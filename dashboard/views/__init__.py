"""Dashboard pages, one script per page, registered in dashboard/app.py."""
