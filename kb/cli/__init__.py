"""The ``kb`` command: one module per group of subcommands, terminal rendering in ``render``.

Exit statuses and error messages: :mod:`kb.cli.common`.
"""

from __future__ import annotations

import click

from kb.cli.build import build, serve
from kb.cli.explore import search, series, similar
from kb.cli.lint import lint
from kb.cli.parse import parse
from kb.cli.zh import install as install_chinese_help

install_chinese_help()


@click.group(
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog=(
        "\b\n常用流程 (a typical session)：\n"
        "  kb parse data/某部门2024年预算.txt        # 看一份文档解析出了什么\n"
        "  kb build data/                            # 把文件夹中的文档建成知识库 kb.db\n"
        "  kb search 受益对象满意度 --year 2024       # 检索指标\n"
        "  kb similar 受益对象满意度                  # 与一段文字相似的指标\n"
        "  kb lint --severity error                   # 不可能成立的指标值\n"
        "  kb serve                                   # 在 http://127.0.0.1:8001 浏览知识库\n"
        "\b\n每个命令的说明：kb 命令 --help (help on a command: kb COMMAND --help)"
    ),
)
@click.version_option(package_name="kb-performance-targets")
def cli() -> None:
    """绩效指标知识库：提取、检索、比较和检查部门预算公开中的绩效指标。

    Extract, search, compare and check the performance targets of Chinese government budget disclosures.

    退出状态 (exit status)：0 成功；1 完成了工作但有问题（有文档无法解析、有错误级发现）；
    2 无法完成（文件或知识库不存在、参数有误）。
    """


for command in (parse, build, serve, search, similar, series, lint):
    cli.add_command(command)


def main() -> None:
    """Console-script entry point."""
    cli()
