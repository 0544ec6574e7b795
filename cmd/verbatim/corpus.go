package main

import (
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/verbatimbot/verbatim/internal/library"
)

// maxReadBytes bounds what corpus add reads of a file: enough for the
// library to report the real size of a file over its limit.
const maxReadBytes = 64 << 20

// addChunk and addChunkBytes bound how many files, and how many bytes of
// them, `corpus add` reads and adds at a time: they are indexed in one
// batch, and the lines about them printed after it.
const (
	addChunk      = 50
	addChunkBytes = 16 << 20
)

// sharedNote tells the operator that a running bot owns the index.
const sharedNote = "The index is in use by another process (the running bot); it will pick this change up within a few seconds."

// runCorpus runs the operator's document commands: add, list, show and
// remove. They work whether or not a bot is running on the same DATA_DIR.
func runCorpus(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"corpus needs a command: add, list, show or remove"}
	}
	switch args[0] {
	case "add":
		return runCorpusAdd(ctx, args[1:], getenv, stdin, stdout, stderr)
	case "list":
		return runCorpusList(args[1:], getenv, stdout, stderr)
	case "show":
		return runCorpusShow(args[1:], getenv, stdout, stderr)
	case "remove", "rm":
		return runCorpusRemove(ctx, args[1:], getenv, stdout, stderr)
	}
	return usageError{fmt.Sprintf("unknown corpus command %q: use add, list, show or remove", args[0])}
}

// parseInterspersed parses flags anywhere among the arguments (the flag
// package stops at the first positional one) and returns the positional
// arguments. Everything after "--" is positional.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, usageError{}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

func openCorpus(getenv func(string) string, stderr io.Writer) (*library.Library, error) {
	dir := dataDir(getenv)
	lib, err := library.Open(dir, library.Options{Log: cliLogger(stderr)})
	if err != nil {
		return nil, fmt.Errorf("open library in %s: %w", dir, err)
	}
	return lib, nil
}

func runCorpusAdd(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("corpus add", flag.ContinueOnError)
	fs.SetOutput(stderr)
	title := fs.String("title", "", "title, instead of the file's own")
	url := fs.String("url", "", "source URL (absolute http or https)")
	server := fs.String("server", "", "Discord server id whose members it answers; none for every server")
	format := fs.String("format", "", "auto (default), transcript, markdown, jsonl or csv")
	interviewer := fs.String("interviewer", "", "who asks, as the file's labels name them (several: comma-separated); default inferred")
	interviewee := fs.String("interviewee", "", "who answers, as the file's labels name them; default inferred")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) == 0:
		return usageError{"corpus add needs a FILE (- for standard input)"}
	case len(pos) > 1 && (*title != "" || *url != ""):
		return usageError{"--title and --url describe one document: give one FILE with them"}
	case len(pos) > 1 && slices.Contains(pos, "-"):
		return usageError{"- (standard input) must be the only FILE"}
	}
	lib, err := openCorpus(getenv, stderr)
	if err != nil {
		return err
	}
	defer lib.Close()
	if len(pos) == 1 {
		e, err := addFile(ctx, lib, pos[0], stdin, library.Upload{Title: *title, URL: *url, Format: *format, Server: *server,
			Interviewer: *interviewer, Interviewee: *interviewee})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Added %s.\n", e.ID)
		writeEntry(stdout, e, nil)
	} else {
		// Many files: one line each, and the failures do not stop the
		// rest. They are added a chunk at a time (addChunk files, or
		// addChunkBytes read), indexed together.
		failed := 0
		for next := 0; next < len(pos); {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			var paths []string
			var readErrs []error
			var ups []library.Upload
			for size := 0; next < len(pos) && len(paths) < addChunk && size < addChunkBytes; next++ {
				name, data, err := readUpload(pos[next], stdin)
				paths, readErrs = append(paths, pos[next]), append(readErrs, err)
				if err == nil {
					ups = append(ups, library.Upload{Name: name, Data: data, Format: *format, Server: *server,
						Interviewer: *interviewer, Interviewee: *interviewee})
					size += len(data)
				}
			}
			entries, errs := lib.AddAll(ctx, ups)
			j := 0                       // the next of ups
			for k, path := range paths { // in the order given
				err := readErrs[k]
				var e library.Entry
				if err == nil {
					e, err = entries[j], errs[j]
					j++
				}
				if err != nil {
					failed++
					fmt.Fprintf(stderr, "%s: %v\n", path, err)
					continue
				}
				fmt.Fprintf(stdout, "Added %s (%d questions) from %s.\n", e.ID, e.Questions, path)
			}
		}
		fmt.Fprintf(stdout, "Added %d of %d files.\n", len(pos)-failed, len(pos))
		if failed > 0 {
			return fmt.Errorf("%d of %d files could not be added (above)", failed, len(pos))
		}
	}
	if lib.IndexShared() {
		fmt.Fprintln(stdout, sharedNote)
	}
	return nil
}

// addFile reads the file at path ("-" for stdin) and adds it as u says.
func addFile(ctx context.Context, lib *library.Library, path string, stdin io.Reader, u library.Upload) (library.Entry, error) {
	name, data, err := readUpload(path, stdin)
	if err != nil {
		return library.Entry{}, err
	}
	u.Name, u.Data = name, data
	return lib.Add(ctx, u)
}

// readUpload reads the file to add, "-" being standard input.
func readUpload(path string, stdin io.Reader) (name string, data []byte, err error) {
	r, name := stdin, "stdin"
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return "", nil, fmt.Errorf("cannot read %s: %w", path, unwrapPathError(err))
		}
		defer f.Close()
		r, name = f, filepath.Base(path)
	}
	data, err = io.ReadAll(io.LimitReader(r, maxReadBytes+1))
	if err != nil {
		return "", nil, fmt.Errorf("cannot read %s: %w", path, unwrapPathError(err))
	}
	if len(data) > maxReadBytes {
		return "", nil, fmt.Errorf("%s is over %d MiB; the limit is %d MiB", path, maxReadBytes>>20, library.MaxUploadBytes>>20)
	}
	return name, data, nil
}

// unwrapPathError drops the path an *os.PathError repeats.
func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

func runCorpusList(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("corpus list", flag.ContinueOnError)
	fs.SetOutput(stderr)
	server := fs.String("server", "", "list the documents of this Discord server (and the shipped ones) only")
	asJSON := fs.Bool("json", false, "print a JSON array of documents")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError{fmt.Sprintf("corpus list takes no arguments, got %q", pos[0])}
	}
	lib, err := openCorpus(getenv, stderr)
	if err != nil {
		return err
	}
	defer lib.Close()
	entries := lib.List(*server)
	if *asJSON {
		if entries == nil {
			entries = []library.Entry{}
		}
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(entries)
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSERVER\tQUESTIONS\tADDED\tTITLE")
	for _, e := range entries {
		added := e.Added.Format("2006-01-02")
		if e.Seed {
			added = "shipped"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", e.ID, serverName(e.Server), e.Questions, added, oneLine(e.Title, 70))
	}
	return tw.Flush()
}

func serverName(s string) string {
	if s == "" {
		return "all"
	}
	return s
}

// oneLine clips s to n characters on one line, for tables.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// openDocumentCommand parses the arguments of the command name on one
// document, its ID and --server (serverUsage says what the server does),
// and opens the corpus; the caller closes it.
func openDocumentCommand(name, serverUsage string, args []string, getenv func(string) string, stderr io.Writer) (lib *library.Library, id, server string, err error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&server, "server", "", serverUsage)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return nil, "", "", err
	}
	if len(pos) != 1 {
		return nil, "", "", usageError{name + " needs exactly one document ID (see corpus list)"}
	}
	if lib, err = openCorpus(getenv, stderr); err != nil {
		return nil, "", "", err
	}
	return lib, pos[0], server, nil
}

func runCorpusShow(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	lib, id, server, err := openDocumentCommand("corpus show", "show the document only if this Discord server may see it", args, getenv, stderr)
	if err != nil {
		return err
	}
	defer lib.Close()
	e, err := lib.Show(id, server)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s\n", e.ID)
	var questions []string
	if d, ok := lib.Corpus().Document(e.ID); ok {
		for _, s := range d.Sections {
			questions = append(questions, s.Question)
		}
	}
	writeEntry(stdout, e, questions)
	return nil
}

func runCorpusRemove(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	lib, id, server, err := openDocumentCommand("corpus remove", "remove the document only if it belongs to this Discord server", args, getenv, stderr)
	if err != nil {
		return err
	}
	defer lib.Close()
	e, err := lib.Remove(ctx, id, server)
	if err != nil {
		return err
	}
	if e.Title != "" {
		fmt.Fprintf(stdout, "Removed %s (%q).\n", e.ID, e.Title)
	} else {
		fmt.Fprintf(stdout, "Removed the damaged file of %s.\n", e.ID)
	}
	if lib.IndexShared() {
		fmt.Fprintln(stdout, sharedNote)
	}
	return nil
}

// writeEntry prints what is known of a document; questions, when given,
// are listed in full instead of the first one.
func writeEntry(w io.Writer, e library.Entry, questions []string) {
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	fmt.Fprintf(tw, "  title:\t%s\n", e.Title)
	if e.Server == "" {
		fmt.Fprintf(tw, "  answered in:\tevery server\n")
	} else {
		fmt.Fprintf(tw, "  answered in:\tserver %s only\n", e.Server)
	}
	if e.SourceURL != "" {
		fmt.Fprintf(tw, "  source:\t%s\n", e.SourceURL)
	}
	fmt.Fprintf(tw, "  speakers:\t%s\n", strings.Join(e.Speakers, ", "))
	if e.Interviewer != "" || e.Interviewee != "" {
		// Who asks is inferred when the file does not say: shown so that a
		// wrong guess is seen (--interviewer sets it).
		fmt.Fprintf(tw, "  asks / answers:\t%s / %s\n", cmp.Or(e.Interviewer, "—"), cmp.Or(e.Interviewee, "—"))
	}
	fmt.Fprintf(tw, "  questions:\t%d\n", e.Questions)
	if questions == nil && e.FirstQuestion != "" {
		fmt.Fprintf(tw, "  first question:\t%s\n", oneLine(e.FirstQuestion, 200))
	}
	if e.Seed {
		fmt.Fprintf(tw, "  format:\t%s, language %s; shipped with the bot\n", e.Format, e.Language)
	} else {
		fmt.Fprintf(tw, "  format:\t%s, language %s, %d bytes, added %s\n", e.Format, e.Language, e.Bytes, e.Added.Format("2006-01-02 15:04 MST"))
	}
	_ = tw.Flush()
	for i, q := range questions {
		fmt.Fprintf(w, "  %3d. %s\n", i+1, oneLine(q, 200))
	}
}
