// Command verbatim answers questions about interviews in the interviewee's
// own words: as a Discord bot (serve) or in the terminal (ask), and
// measures its own answers (eval), and manages its corpus (corpus, index).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		var ue usageError
		if !errors.As(err, &ue) || ue.msg != "" {
			fmt.Fprintln(os.Stderr, "verbatim:", err)
		}
		if errors.As(err, &ue) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// usageError is a mistake in the command line; it exits with status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

const usage = `verbatim answers questions about interviews in the interviewee's own words.

Usage:
  verbatim ask [--json] [--top N] [--server ID] [QUESTION]   answer from the corpus (no Discord needed);
                                                               with no QUESTION, one question per line from stdin
  verbatim serve [--env FILE]                                 run the Discord bot and its HTTP server (DISCORD_TOKEN, DISCORD_APP_ID…; .env read too)
  verbatim web [--env FILE]                                   run the HTTP server alone, no Discord: the ask box and document pages
  verbatim corpus add [--title T] [--url U] [--server ID] [--format F] FILE...
                                                              add transcript, Markdown or FAQ files (- for stdin, 1 MiB each at most);
                                                              with --server, answered in that Discord server only
  verbatim corpus list [--server ID] [--json]                 list the documents (the shipped ones too)
  verbatim corpus show [--server ID] ID                       show a document and its questions
  verbatim corpus remove [--server ID] ID                     remove an added document
  verbatim index rebuild                                      rebuild the search index from the documents (stop the bot first)
  verbatim eval [--qrels FILE] [--run FILE] [--json] [--failures] DIR
                                                              measure retrieval on a labelled question set
  verbatim healthcheck [--url URL]                            exit 0 when the running server's /healthz answers (for Docker)

The corpus commands work while the bot runs on the same DATA_DIR: it picks
changes up within a few seconds.

Every command reads .env in the working directory for variables the
environment does not set (serve --env FILE reads another file).
Environment: DATA_DIR (default ./data) holds the added documents (documents/),
the index (index/) and the key signing document links (link.key). See README.md.
`

// run is the whole program: args without the program name, the
// environment through getenv.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usageError{}
	}
	switch args[0] {
	case "ask", "corpus", "index", "healthcheck", "eval":
		// The operator's commands see the .env that serve reads, so that
		// they work on the bot's DATA_DIR (serve takes --env for another file).
		var err error
		if getenv, err = withEnvFile(getenv, ".env"); err != nil {
			return err
		}
	}
	switch args[0] {
	case "ask":
		return runAsk(ctx, args[1:], getenv, stdin, stdout, stderr)
	case "corpus":
		return runCorpus(ctx, args[1:], getenv, stdin, stdout, stderr)
	case "index":
		return runIndex(ctx, args[1:], getenv, stdout, stderr)
	case "healthcheck":
		return runHealthcheck(ctx, args[1:], getenv, stdout, stderr)
	case "serve":
		return runServe(ctx, args[1:], getenv, stdout, stderr)
	case "web":
		return runWeb(ctx, args[1:], getenv, stdout, stderr)
	case "eval":
		return runEval(ctx, args[1:], getenv, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		return usageError{fmt.Sprintf("unknown command %q: run verbatim help for the commands", args[0])}
	}
}
