"""The API keeps no tables of its own: its tokens live with the tenants (tenants/models.py),
its webhook endpoints and deliveries with the flows (flows/models.py)."""
