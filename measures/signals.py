"""What the measures app tells the apps above it (which connect in their ``AppConfig.ready``).

``figures_changed`` is sent when stored figures or indicator definitions changed in a
way that leaves no trace the pages' data version reads (``dashboards.cache``): values
only deleted by a recompute, an indicator renamed, its goal links changed.
"""

from django.dispatch import Signal

figures_changed = Signal()
