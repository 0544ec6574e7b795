package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// runIndex runs the index commands: rebuild.
func runIndex(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "rebuild" {
		return usageError{"index needs a command: rebuild"}
	}
	if len(args) > 1 {
		return usageError{fmt.Sprintf("index rebuild takes no arguments, got %q", args[1])}
	}
	lib, err := openCorpus(getenv, stderr)
	if err != nil {
		return err
	}
	defer lib.Close()
	var progress func(done, total int)
	if isTerminal(stderr) {
		progress = progressBar(stderr)
	}
	start := time.Now()
	if err := lib.Rebuild(ctx, progress); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Rebuilt the index of %d documents in %v.\n", lib.Corpus().Len(), time.Since(start).Round(time.Millisecond))
	return nil
}

// isTerminal reports whether w is a terminal, where a progress bar can
// redraw itself.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// progressBar returns a progress function drawing one line on w.
func progressBar(w io.Writer) func(done, total int) {
	const width = 30
	return func(done, total int) {
		n := width
		if total > 0 {
			n = width * done / total
		}
		fmt.Fprintf(w, "\r[%s%s] %d/%d documents", strings.Repeat("#", n), strings.Repeat(".", width-n), done, total)
		if done == total {
			fmt.Fprintln(w)
		}
	}
}
