"""The pages that show figures: ``dashboard`` (the dashboard, its rows and exports, the
council's tertial report) and ``units`` (a unit's page, «Alt henger sammen»)."""
