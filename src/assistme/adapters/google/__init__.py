"""Google: the OAuth client, and one module per provider (Gmail, Calendar) registered with ``@register``."""
