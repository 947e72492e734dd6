"""The 绩效目标表 templates beyond the seed's, one module per kind of table (``docs/templates.md``).

* :mod:`.project_block`: one block per project (Hebei, local, central templates);
* :mod:`.dept_table`: one indicator table for many projects, joined with the 项目支出预算表;
* :mod:`.dept_overall`: the 部门整体支出绩效目标表 (department goals);
* :mod:`.claims`: which tables belong to the last two; :mod:`.info`: the labelled project facts.
"""
