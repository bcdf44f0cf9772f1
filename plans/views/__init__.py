"""The plan pages: ``actions`` (plans and their actions) and ``reports`` (tertial reports)."""
