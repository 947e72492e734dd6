"""Shared vocabulary of the template generators: departments, projects, indicators."""
