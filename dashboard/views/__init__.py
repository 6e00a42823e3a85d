"""The dashboard's views, one module per area; urls.py names them all."""
