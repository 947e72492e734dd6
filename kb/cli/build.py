"""``kb build`` and ``kb serve``: make the knowledge base, publish it."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from click.core import ParameterSource

from kb.cli.common import EXIT_PROBLEMS, echo, notify, progress_printer, reports_errors
from kb.errors import UsageError


@click.command(
    epilog=(
        "\b\n示例 (examples)：\n"
        "  kb build                                    # 用 data/ 中的文档构建 kb.db\n"
        "  kb build 各部门2024/ 各部门2025/ --db 全市.db\n"
        "  kb build --add 新文档.txt                   # 向已建好的知识库追加文档\n"
        "  kb build data/ --workers 2\n"
        "  kb build 全省2024/ --db 全省2024.db --cluster local:8      # 本机 8 个 Dask 工作进程\n"
        "  kb build /共享/全国/ --db 全国.db --cluster tcp://调度器:8786  # 已有的 Dask 集群"
    )
)
@click.argument("paths", metavar="[PATH]...", nargs=-1, type=click.Path(path_type=str))
@click.option(
    "--db",
    "db_path",
    default="kb.db",
    show_default=True,
    type=click.Path(dir_okay=False, path_type=str),
    help="要写入的 SQLite 知识库；构建完成后才替换原文件 (replaced only when the build is complete)。",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="解析进程数，默认用全部 CPU 核 (parser processes; default: all cores)。",
)
@click.option(
    "--cluster",
    metavar="ADDRESS",
    default=None,
    help=(
        "在 Dask 集群上构建：调度器地址（tcp://主机:8786）或 local[:N]（本机 N 个工作进程）；"
        "文档须是每个工作进程都能读到的路径或 URL，需要 pip install -e '.[cluster]'，见 docs/scale.md "
        "(build on a Dask cluster: a scheduler address, or local[:N] for a LocalCluster)。"
    ),
)
@click.option(
    "--parquet",
    metavar="DIR",
    default=None,
    help=(
        "另把各表写成按年度和地区分区的 Parquet 数据集（空文件夹或 fsspec URL），DuckDB/Spark/pandas 可直接读取 "
        "(also write the tables as a Parquet dataset partitioned by year and region)。"
    ),
)
@click.option(
    "--add",
    "add",
    is_flag=True,
    help="把 PATH 中的文档追加到已有的知识库，而不是重建 (add to the existing database)。",
)
@reports_errors
def build(
    paths: tuple[str, ...], db_path: str, workers: int | None, cluster: str | None, parquet: str | None, add: bool
) -> None:
    """把 PATH（文件或文件夹，默认 data/）中的文档构建成知识库。

    Build the knowledge base from the documents in PATH (files or folders; default data/).

    退出状态 (exit status)：0 成功；1 有文档或文件夹无法读取或解析（其余照常构建，失败记入
    parse_warnings）；2 什么也没能构建（也包括：磁盘已满、文件夹不可写、数据库已损坏或不是知识库、
    同一知识库的另一个构建正在进行）；130/143 被 Ctrl-C/SIGTERM 中断。原知识库只会被完整的新库替换。
    """
    from kb.db.build import add_to_knowledge_base, build_knowledge_base

    if add and not paths:
        raise UsageError("kb build --add 需要给出要加入的文档 (name the documents to add)")
    if add and (cluster or parquet):
        raise UsageError(
            "kb build --add 只在本机追加到 SQLite，不能与 --cluster、--parquet 同用 (--add: no --cluster, --parquet)"
        )
    if add:
        report = add_to_knowledge_base(paths, db_path, workers=workers, progress=progress_printer())
    else:
        report = build_knowledge_base(
            paths or ("data",),
            db_path,
            workers=workers,
            progress=progress_printer(),
            cluster=cluster,
            announce=notify,
            parquet=parquet,
        )
    for path in report.removed:
        notify(f"提示：已删除中断的构建留下的临时文件 {path} (removed a stale temporary)")
    for path, error in [*report.failed, *report.unreadable]:
        notify(f"错误：{path}: {error}")
    for duplicate, kept in report.duplicates:
        notify(f"警告：{duplicate}: 与 {kept} 内容完全相同，只构建一次 (identical content, built once)")
    for path in report.known:
        notify(f"提示：{path}: 已在知识库中，跳过 (already in the knowledge base)")
    for note in report.notes:
        notify(f"提示：{note}")
    echo(report.summary())
    if report.problems:
        sys.exit(EXIT_PROBLEMS)


@click.command(
    epilog=(
        "\b\n示例 (examples)：\n"
        "  kb serve                                    # http://127.0.0.1:8001/kb\n"
        "  kb serve --db 全市.db --data 各部门2024/    # 任何文件名都可以，中文标题与预设查询照样显示\n"
        "  kb serve --port 8080\n"
        "  kb serve --db 2024-石家庄.db --db 2024-保定.db   # 一起发布，/-/kb/search 在全部知识库中检索"
    )
)
@click.option(
    "--db",
    "db_paths",
    multiple=True,
    default=("kb.db",),
    show_default=True,
    type=click.Path(dir_okay=False, path_type=str),
    help="要发布的知识库，可给多次：各地区、各年度的知识库一起发布 (the knowledge bases to serve; repeatable)。",
)
@click.option(
    "--data",
    "data_paths",
    multiple=True,
    default=("data",),
    show_default=True,
    help="构建知识库所用的文档；比知识库新时先重新构建 (rebuilt first when they are newer)。",
)
@click.option("--port", default=8001, show_default=True, type=click.IntRange(0, 65535), help="端口 (port)。")
@click.option("--host", default="127.0.0.1", show_default=True, help="监听的地址 (address to listen on)。")
@click.option(
    "--metadata",
    "metadata_path",
    type=click.Path(exists=True, dir_okay=False, path_type=str),
    help="另加的 Datasette 元数据文件，覆盖知识库自带的标题、说明等 (extra metadata; the plugin supplies the rest)。",
)
@reports_errors
def serve(
    db_paths: tuple[str, ...], data_paths: tuple[str, ...], port: int, host: str, metadata_path: str | None
) -> None:
    """用 Datasette 以只读方式发布知识库；知识库不存在或早于文档时先构建。

    Serve the knowledge base read-only with Datasette, building it first if missing or stale.

    知识库早于 --data 中的文档、或由其他版本的本工具构建时，只有其中每份文档都在 --data 中才重新构建；
    由别的文档构建（或用 kb build --add 加过文档）的知识库不会被替换，照原样发布并给出提示。
    A stale knowledge base, or one of another version, is rebuilt only when --data holds every document
    in it; one built from other documents is served as it is, with a note.

    页面、列名、导出（Excel/WPS 可直接打开的 CSV 和 .xlsx）均为中文；知识库可用任何文件名。
    --db 可给多次（如每个地区、每个年度一个知识库）：一起发布，首页和 /-/kb/search 在全部知识库中检索；
    这时不构建，每个知识库都须已建好。
    知识库不完整、已损坏或不是本工具构建的，退出状态 2；--host 不是本机回环地址时给出警告。
    Several --db are served together (searched across at /-/kb/search) and must exist already.
    Exit status 2 when a database is truncated, corrupt or not a knowledge base; a warning when
    --host is not a loopback address (the site is then open to the network).
    """
    from kb.db.build import build_knowledge_base
    from kb.db.validate import check_database
    from kb.web.serve import datasette_args, exposure_warning, rebuild_reason, run_datasette

    databases = [Path(path) for path in dict.fromkeys(db_paths)]
    if (
        len(databases) > 1
        and click.get_current_context().get_parameter_source("data_paths") is ParameterSource.COMMANDLINE
    ):
        raise UsageError("--data 只能与一个 --db 一起用：一起发布的多个知识库须已建好 (--data needs a single --db)")
    if len(databases) == 1:
        db = databases[0]
        why, note = rebuild_reason(db, data_paths)
        if note is not None:
            click.echo(f"提示：{note}", err=True)
        if why is not None:
            click.echo(f"{db} {why}，正在用 {', '.join(data_paths)} 构建…", err=True)
            report = build_knowledge_base(data_paths, db, progress=progress_printer())
            for path, error in report.failed:
                click.echo(f"错误：{path}: {error}", err=True)
            click.echo(report.summary(), err=True)
    for db in databases:
        check_database(db)
    warning = exposure_warning(host)
    if warning:
        click.echo(warning, err=True)
    metadata = Path(metadata_path) if metadata_path else None
    if len(databases) == 1:
        click.echo(f"绩效指标知识库：http://{host}:{port}/{databases[0].stem}", err=True)
    else:
        click.echo(
            f"绩效指标知识库（{len(databases)} 个）：http://{host}:{port}/ ；"
            f"在全部知识库中检索：http://{host}:{port}/-/kb/search",
            err=True,
        )
    run_datasette(datasette_args(databases, metadata, host, port))
