"""`yuqing train-sentiment`: rebuild the shipped sentiment model (the trainer's options; the trainer module is
imported only when the command runs, so `yuqing --help` stays fast)."""

from __future__ import annotations


def cmd_train_sentiment(args) -> int:
    from analysis.train_sentiment import run

    return run(args)


def register(subparsers) -> None:
    s = subparsers.add_parser(
        "train-sentiment", help="rebuild the shipped sentiment model from ../shared/data",
        description="重新训练情感模型（读取 ../shared/data/sentiment，写出模型文件和留出集指标）",
    )  # fmt: skip
    s.add_argument("--data-dir", help="folder holding sentiment/ (default ../shared/data)")
    s.add_argument("--out", help="output stem: writes STEM.npz and STEM.json (default: the shipped model)")
    s.set_defaults(func=cmd_train_sentiment)
