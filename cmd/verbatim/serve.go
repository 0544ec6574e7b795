package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"

	"github.com/joho/godotenv"

	"github.com/verbatimbot/verbatim/bot"
	"github.com/verbatimbot/verbatim/internal/config"
)

// runServe runs the Discord bot until ctx ends. The configuration comes
// from the environment, then from .env in the working directory for
// variables the environment leaves unset.
func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("serve", flag.ContinueOnError)
	fset.SetOutput(stderr)
	envFile := fset.String("env", ".env", "file of KEY=value lines read for variables the environment does not set")
	if err := fset.Parse(args); err != nil {
		return usageError{}
	}
	if fset.NArg() > 0 {
		return usageError{fmt.Sprintf("serve takes no arguments, got %q", fset.Arg(0))}
	}
	getenv, err := withEnvFile(getenv, *envFile)
	if err != nil {
		return err
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	log.Info("starting", "config", cfg)
	lib, err := openLibrary(cfg.DataDir, log)
	if err != nil {
		return fmt.Errorf("open library in %s: %w", cfg.DataDir, err)
	}
	defer lib.Close()
	b, err := bot.New(cfg, lib.answerer, lib.corpus, log)
	if err != nil {
		return err
	}
	return b.Run(ctx)
}

// withEnvFile returns a getenv that falls back to the file's values; the
// real environment wins. A missing file is not an error.
func withEnvFile(getenv func(string) string, path string) (func(string) string, error) {
	vals, err := godotenv.Read(path)
	if errors.Is(err, fs.ErrNotExist) {
		return getenv, nil
	}
	if err != nil {
		// godotenv's parse errors may quote a line, which could hold the token.
		return nil, fmt.Errorf("read %s: the file is not valid KEY=value lines", path)
	}
	return func(k string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return vals[k]
	}, nil
}

// newLogger builds the logger LOG_LEVEL and LOG_FORMAT ask for.
func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
