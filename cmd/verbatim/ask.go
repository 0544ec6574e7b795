package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/verbatimbot/verbatim/internal/answer"
	"github.com/verbatimbot/verbatim/internal/library"
	"github.com/verbatimbot/verbatim/internal/mdtext"
)

func runAsk(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("ask", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print one JSON object per question")
	top := fs.Int("top", 3, "answers per question, 1 to 10")
	server := fs.String("server", "", "answer as in this Discord server (its documents besides the shipped ones)")
	words, err := parseInterspersed(fs, args) // flags after the question too; -- before one starting with -
	if err != nil {
		return err
	}
	if *top < 1 || *top > 10 {
		return usageError{"--top must be between 1 and 10"}
	}
	dir := dataDir(getenv)
	lib, err := library.Open(dir, library.Options{Log: cliLogger(stderr)})
	if err != nil {
		return fmt.Errorf("open library in %s: %w", dir, err)
	}
	defer lib.Close()
	answerer := lib.Answerer()

	answerOne := func(q string) error {
		ans, err := answerer.Ask(ctx, q, *server, *top)
		if *asJSON {
			return writeJSONAnswer(stdout, q, ans, err)
		}
		if err != nil {
			if errors.Is(err, answer.ErrEmptyQuestion) || errors.Is(err, answer.ErrQuestionTooLong) {
				fmt.Fprintf(stdout, "Cannot ask that: %v.\n", err)
				return nil
			}
			return err
		}
		return writeTextAnswer(stdout, ans)
	}

	if q := strings.Join(words, " "); q != "" {
		if _, err := answer.Clean(q); err != nil && !*asJSON {
			return fmt.Errorf("cannot ask that: %w", err)
		}
		return answerOne(q)
	}
	sc := bufio.NewScanner(stdin)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	first := true
	for sc.Scan() {
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			continue
		}
		if !first && !*asJSON {
			fmt.Fprintln(stdout)
		}
		first = false
		if err := answerOne(line); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read questions: %w", err)
	}
	return nil
}

// jsonAnswer is the --json line format; other tools read these names.
type jsonAnswer struct {
	Question    string              `json:"question"`
	Answered    bool                `json:"answered"`
	Hits        []answer.Hit        `json:"hits"`
	Suggestions []answer.Suggestion `json:"suggestions"`
	Error       string              `json:"error,omitempty"`
}

func writeJSONAnswer(w io.Writer, q string, ans answer.Answer, err error) error {
	out := jsonAnswer{Question: q, Answered: ans.Answered, Hits: ans.Hits, Suggestions: ans.Suggestions}
	if ans.Question != "" {
		out.Question = ans.Question
	}
	if out.Hits == nil {
		out.Hits = []answer.Hit{}
	}
	if out.Suggestions == nil {
		out.Suggestions = []answer.Suggestion{}
	}
	if err != nil {
		if !errors.Is(err, answer.ErrEmptyQuestion) && !errors.Is(err, answer.ErrQuestionTooLong) {
			return err
		}
		out.Error = err.Error()
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

func writeTextAnswer(w io.Writer, ans answer.Answer) error {
	bw := bufio.NewWriter(w)
	if !ans.Answered {
		fmt.Fprintf(bw, "The corpus does not answer %q.\n", ans.Question)
		if len(ans.Suggestions) > 0 {
			fmt.Fprintln(bw, "Questions it does answer:")
			for _, s := range ans.Suggestions {
				fmt.Fprintf(bw, "  - %s\n", mdtext.Shown(s.Question))
			}
		}
		return bw.Flush()
	}
	for i, h := range ans.Hits {
		if i > 0 {
			fmt.Fprintln(bw)
		}
		asked := mdtext.Shown(h.Asked) // as the question's page shows it; --json gives it as written
		if asked == "" {
			asked = "(introduction)"
		}
		fmt.Fprintf(bw, "%d. %s\n", i+1, asked)
		who := h.Speaker
		if who == "" {
			who = "From"
		} else {
			who += ", in"
		}
		fmt.Fprintf(bw, "   %s “%s”\n", who, h.Title)
		for _, line := range strings.Split(h.Quote, "\n") {
			if strings.TrimSpace(line) == "" {
				fmt.Fprintln(bw, "   >")
				continue
			}
			fmt.Fprintf(bw, "   > %s\n", line)
		}
		if h.Link != "" {
			fmt.Fprintf(bw, "   %s\n", h.Link)
		}
	}
	return bw.Flush()
}
