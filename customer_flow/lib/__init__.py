"""Model-free building blocks: nothing here imports ``customers`` or ``tickets``."""
