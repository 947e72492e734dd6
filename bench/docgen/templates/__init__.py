"""Generators of made-up disclosure documents in every common 绩效目标表 template, with their truth."""
