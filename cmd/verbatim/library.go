package main

import (
	"io"
	"log/slog"
	"strings"
)

// dataDir returns DATA_DIR or its default.
func dataDir(getenv func(string) string) string {
	if d := strings.TrimSpace(getenv("DATA_DIR")); d != "" {
		return d
	}
	return "data"
}

// cliLogger is the logger of the terminal commands: warnings and errors
// (damaged document files, for one) on stderr.
func cliLogger(stderr io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}
