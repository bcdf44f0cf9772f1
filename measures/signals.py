"""What the measures app tells the apps above it (which connect in their ``AppConfig.ready``).

``figures_changed`` is sent when stored figures or indicator definitions changed in a
way that leaves no trace the pages' data version reads (``dashboards.cache``): values
only deleted by a recompute, an indicator renamed, its goal links changed.

``figures_stored`` is sent after a recompute has stored its values and closed the
recomputes it covered (``plans`` opens the tertial's round when its figures exist).
Receivers are called robustly: a failing receiver is logged, never fails the recompute.
"""

from django.dispatch import Signal

figures_changed = Signal()
figures_stored = Signal()
