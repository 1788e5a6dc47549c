"""审计舆情哨兵 command-line entry point and the bundled demo."""
