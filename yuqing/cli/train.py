"""`yuqing train-sentiment`: rebuild the shipped sentiment model (the trainer parses its own arguments)."""

from __future__ import annotations

import argparse


def cmd_train_sentiment(args) -> int:
    from analysis.train_sentiment import main as train_main

    return train_main(args.rest)


def register(subparsers) -> None:
    s = subparsers.add_parser("train-sentiment", help="rebuild the shipped sentiment model from ../shared/data",
                              add_help=False)  # fmt: skip
    s.add_argument("rest", nargs=argparse.REMAINDER, help="arguments for the trainer (see --help)")
    s.set_defaults(func=cmd_train_sentiment)
