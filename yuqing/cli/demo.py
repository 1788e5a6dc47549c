"""`yuqing demo`: parse the options and hand over to the demo run (yuqing.demo.run)."""

from __future__ import annotations

from pathlib import Path


def cmd_demo(args) -> int:
    from yuqing.demo.run import run_demo, serve_demo

    if args.serve:
        return serve_demo(
            data_dir=Path(args.data_dir) if args.data_dir else None,
            base_port=args.port_base or None,
            verbose=args.verbose,
        )
    return run_demo(
        data_dir=Path(args.data_dir) if args.data_dir else None,
        dashboard=not args.no_dashboard,
        base_port=args.port_base or None,
        dashboard_port=args.port,
    )


def register(subparsers) -> None:
    s = subparsers.add_parser(
        "demo", help="start local demo sites, crawl them, analyse, print a summary and serve the dashboard"
    )
    s.add_argument("--no-dashboard", action="store_true", help="stop after the summary")
    s.add_argument(
        "--serve", action="store_true",
        help="instead: keep the demo sites and mail/webhook catchers up and run the real scheduler "
        "(yuqing serve) against them until SIGTERM / Ctrl-C",
    )  # fmt: skip
    s.add_argument("--data-dir", help="folder for the demo database (default data/demo)")
    s.add_argument(
        "--port-base",
        type=int,
        default=18700,
        help="first port tried for the local sites (0: any free ports)",
    )
    s.add_argument("--port", type=int, default=None, help="dashboard port (default dashboard.port)")
    s.set_defaults(func=cmd_demo)
