"""The five products. Each depends on the core, rails and chain, never on another product."""
