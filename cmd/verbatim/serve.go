package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/joho/godotenv"

	"github.com/verbatimbot/verbatim/bot"
	"github.com/verbatimbot/verbatim/internal/answer"
	"github.com/verbatimbot/verbatim/internal/config"
	"github.com/verbatimbot/verbatim/internal/gctune"
	"github.com/verbatimbot/verbatim/internal/library"
	"github.com/verbatimbot/verbatim/internal/metrics"
	"github.com/verbatimbot/verbatim/internal/web"
)

// runServe runs the Discord bot and its HTTP server until ctx ends. The configuration comes
// from the environment, then from .env in the working directory for
// variables the environment leaves unset.
func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return runServer(ctx, "serve", args, getenv, stderr)
}

// runWeb runs the HTTP server alone — the ask box, the document pages,
// health and metrics — with no Discord and no token: the way to try
// Verbatim in a browser, or to keep the pages up without the bot.
func runWeb(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return runServer(ctx, "web", args, getenv, stderr)
}

// runServer is serve, or web (the HTTP side alone).
func runServer(ctx context.Context, command string, args []string, getenv func(string) string, stderr io.Writer) error {
	fset := flag.NewFlagSet(command, flag.ContinueOnError)
	fset.SetOutput(stderr)
	envFile := fset.String("env", ".env", "file of KEY=value lines read for variables the environment does not set")
	if err := fset.Parse(args); err != nil {
		return usageError{}
	}
	if fset.NArg() > 0 {
		return usageError{fmt.Sprintf("%s takes no arguments, got %q", command, fset.Arg(0))}
	}
	getenv, err := withEnvFile(getenv, *envFile)
	if err != nil {
		return err
	}
	discord := command == "serve"
	load := config.Load
	if !discord {
		load = config.LoadWeb
	}
	cfg, err := load(getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	log.Info("starting", "command", command, "config", cfg)
	return serve(ctx, cfg, log, discord)
}

// watchEvery is how often the bot looks for documents that operators
// added or removed from the command line.
const watchEvery = 2 * time.Second

// serve wires the library, the bot (unless !discord) and the HTTP server,
// and runs them until ctx ends or one of them fails.
func serve(ctx context.Context, cfg config.Config, log *slog.Logger, discord bool) error {
	key, err := web.LoadKey(cfg.DataDir)
	if err != nil {
		return err
	}
	links := web.NewLinks(cfg.PublicBaseURL, key)
	lib, err := library.Open(cfg.DataDir, library.Options{Log: log,
		AnswerOptions: answer.Options{DocumentURL: links.DocumentURL}})
	if err != nil {
		return fmt.Errorf("open library in %s: %w", cfg.DataDir, err)
	}
	defer lib.Close()
	if lib.IndexShared() {
		log.Warn("another process owns the index directory: answering from an index in memory for now", "data_dir", cfg.DataDir)
	}

	reg := metrics.New(lib.Corpus().Len)
	ans := metrics.Instrument(lib.Answerer(), reg)
	var b *bot.Bot
	if discord {
		if b, err = bot.New(cfg, ans, lib.Corpus(), log); err != nil {
			return err
		}
		b.Curator = lib
		b.OnError = reg.Error
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Add(2)
	go func() { defer wg.Done(); lib.Watch(ctx, watchEvery) }()
	// The collector's pace for the heap the corpus makes (GOGC, when set, wins).
	go func() { defer wg.Done(); gctune.Run(ctx, os.Getenv, time.Minute) }()

	errs := make(chan error, 2)
	running := 0
	opt := web.Options{Answerer: ans, Corpus: lib.Corpus(), Links: links, Metrics: reg, Log: log}
	if b != nil {
		running++
		go func() { errs <- b.Run(ctx) }()
		opt.Ready = b.Ready
		if cfg.Mode == config.ModeHTTP {
			opt.Interactions = b.InteractionsHandler()
		}
	}
	if cfg.ListenAddr != config.ListenOff {
		h := web.New(opt).Handler()
		running++
		go func() {
			if err := web.Serve(ctx, cfg.ListenAddr, h, log); err != nil {
				errs <- fmt.Errorf("HTTP server on %s: %w", cfg.ListenAddr, err)
				return
			}
			errs <- nil
		}()
	}
	// The first to stop stops the other: a bot that cannot connect takes
	// the HTTP server down with it, and the other way round.
	var first error
	for ; running > 0; running-- {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
		cancel()
	}
	return first
}

// withEnvFile returns a getenv that falls back to the file's values; the
// real environment wins. A missing file is not an error.
func withEnvFile(getenv func(string) string, path string) (func(string) string, error) {
	vals, err := godotenv.Read(path)
	if errors.Is(err, fs.ErrNotExist) {
		return getenv, nil
	}
	if pe := new(fs.PathError); errors.As(err, &pe) {
		// Unreadable (permissions, a directory): the operating system's
		// words name the file and the cause, never its contents.
		return nil, fmt.Errorf("cannot read the env file: %w", pe)
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
