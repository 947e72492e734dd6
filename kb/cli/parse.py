"""``kb parse``: one document, or each document of a folder, and what was extracted from it."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kb.cli.common import EXIT_PROBLEMS, EXIT_UNUSABLE, echo, echo_json_text, reports_errors
from kb.errors import KbError, UsageError
from kb.models import Document


@click.command(
    epilog=(
        "\b\n示例 (examples)：\n"
        "  kb parse data/shijiazhuang-gaoxin-zuzhibu-2024-budget.txt  # 概要：各项目的指标数与全部解析警告\n"
        "  kb parse data/shijiazhuang-gaoxin-zuzhibu-2024-budget.txt --format json > 文档.json\n"
        "  kb parse data/                                           # 文件夹中的每一份文档，逐份概要"
    )
)
@click.argument("path", metavar="FILE_OR_FOLDER", type=click.Path(path_type=str))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "summary"]),
    default="summary",
    show_default=True,
    help="summary 概要：各项目的指标数与全部解析警告；json 整个文档模型（文件夹：每份文档一个，组成数组）。",
)
@reports_errors
def parse(path: str, fmt: str) -> None:
    """解析一份部门预算公开文档 FILE，或文件夹中的每一份文档，打印解析结果。

    Parse one disclosure FILE, or each document in a folder (.txt, .md, .text, searched recursively), and print what
    was extracted.

    退出状态 (exit status)：0 全部解析成功；1 文件夹中有文档无法解析（其余照常打印，错误逐份写到标准错误）；
    2 文件不存在、无法解析，或文件夹中没有可解析的文档。
    """
    if not Path(path).is_dir():
        from kb.parse.document import parse_document

        document = parse_document(path)
        # pydantic writes numbers that are not finite as null; echo_json_text escapes the controls JSON leaves raw.
        if fmt == "json":
            echo_json_text(document.model_dump_json(indent=2))
        else:
            echo(_summary(document))
        return
    _parse_folder(Path(path), fmt)


def _summary(document: Document) -> str:
    from kb.cli.render.summary import format_summary

    return format_summary(document)


def _parse_folder(folder: Path, fmt: str) -> None:
    """Each document of ``folder`` in the sorted order ``kb build`` numbers them, one failure not stopping the rest."""
    from kb.db.build import discover
    from kb.parse.document import parse_document

    files = discover([folder])
    if not files:
        raise UsageError(f"{folder}: 文件夹中没有可解析的文档（.txt、.md、.text） (no documents in the folder)")
    parsed: list[Document] = []
    failed = 0
    for file in files:
        try:
            document = parse_document(file)
        except KbError as exc:
            failed += 1
            echo(f"错误：{exc}", err=True)
            continue
        parsed.append(document)
        if fmt == "summary":
            echo(f"{'═' * 30} {file}\n{_summary(document)}\n")
    if fmt == "json":
        echo_json_text("[\n" + ",\n".join(d.model_dump_json(indent=2) for d in parsed) + "\n]" if parsed else "[]")
    else:
        echo(f"kb parse：{folder} 中 {len(files)} 份文档，解析成功 {len(parsed)} 份，失败 {failed} 份")
    if not parsed:
        sys.exit(EXIT_UNUSABLE)
    if failed:
        sys.exit(EXIT_PROBLEMS)
