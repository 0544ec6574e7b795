//go:build unix

package library

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/verbatimbot/verbatim/internal/document"
	"github.com/verbatimbot/verbatim/internal/store"
)

// Environment of the crash helper.
const (
	envCrashPoint = "VERBATIM_CRASH_POINT"
	envCrashOp    = "VERBATIM_CRASH_OP"
	envCrashDir   = "VERBATIM_CRASH_DIR"
)

// crashDoc is the document the crash test adds and removes.
func crashDoc() genDoc { return newGenerator(99).interview(0, 6) }

const crashTitle = "Crash test interview"

// TestCrashHelper is the child of TestCrash: it adds or removes crashDoc
// in a data directory and kills itself with SIGKILL at the named step.
func TestCrashHelper(t *testing.T) {
	point := os.Getenv(envCrashPoint)
	if point == "" {
		t.Skip("run by TestCrash")
	}
	crashPoint = func(step string) {
		if step == point {
			_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {} // the signal is on its way
		}
	}
	l, err := Open(os.Getenv(envCrashDir), Options{})
	if err != nil {
		t.Fatal(err)
	}
	d := crashDoc()
	switch os.Getenv(envCrashOp) {
	case "add":
		_, err = l.Add(context.Background(), Upload{Name: d.Name, Data: []byte(d.Text), Title: crashTitle})
	case "remove":
		_, err = l.Remove(context.Background(), store.Slug(crashTitle, store.MaxIDLen), "")
	}
	// Reaching here means the step was never reached.
	t.Fatalf("step %s not reached (err %v)", point, err)
}

// TestCrash kills a process at every step of Add and Remove and checks
// that the library reopened on its data directory holds the document
// whole or not at all, and whole whenever the store had accepted it.
func TestCrash(t *testing.T) {
	if os.Getenv(envCrashPoint) != "" {
		t.Skip("in the helper")
	}
	d := crashDoc()
	id := store.Slug(crashTitle, store.MaxIDLen)
	upload := Upload{Name: d.Name, Data: []byte(d.Text), Title: crashTitle}

	// How many sections the seeds and the document make, from memory.
	mem := openLib(t, "")
	seedSections := mem.index.get().Count()
	if _, err := mem.Add(context.Background(), upload); err != nil {
		t.Fatal(err)
	}
	docSections := mem.index.get().Count() - seedSections
	parsed, _ := mem.Corpus().Document(id)
	if parsed == nil || docSections != len(parsed.Sections)+1 {
		t.Fatalf("document %v, %d sections", parsed, docSections)
	}

	for _, tt := range []struct {
		op, point string
		present   bool // after the crash
	}{
		{"add", "create:before-temp", false},
		{"add", "create:temp-written", false},
		{"add", "create:temp-synced", false},
		{"add", "create:renamed", true},
		{"add", "create:dir-synced", true},
		{"add", "add:index-started", true},
		{"add", "add:indexed", true},
		{"remove", "remove:before-unlink", true},
		{"remove", "remove:unlinked", false},
		{"remove", "remove:dir-synced", false},
		{"remove", "remove:index-started", false},
		{"remove", "remove:indexed", false},
	} {
		t.Run(tt.point, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if tt.op == "remove" {
				l := openLib(t, dir)
				if _, err := l.Add(context.Background(), upload); err != nil {
					t.Fatal(err)
				}
				if err := l.Close(); err != nil {
					t.Fatal(err)
				}
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$", "-test.count=1")
			cmd.Env = append(os.Environ(), envCrashPoint+"="+tt.point, envCrashOp+"="+tt.op, envCrashDir+"="+dir)
			out, err := cmd.CombinedOutput()
			var ee *exec.ExitError
			if !errors.As(err, &ee) {
				t.Fatalf("helper: %v\n%s", err, out)
			}
			if ws, ok := ee.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
				t.Fatalf("helper was not killed at %s: %v\n%s", tt.point, err, out)
			}

			if strings.HasPrefix(tt.point, "create:temp-") && len(tempFiles(t, dir)) != 1 {
				t.Errorf("the crash left no temporary file: %v", tempFiles(t, dir))
			}
			l := openLib(t, dir)
			if left := tempFiles(t, dir); len(left) > 0 {
				t.Errorf("temporary files left after reopening: %v", left)
			}
			_, getErr := l.store.Get(id)
			_, showErr := l.Show(id, "")
			count := l.index.get().Count()
			if !tt.present {
				if !errors.Is(getErr, store.ErrNotFound) || kindOf(showErr) != NotFound {
					t.Errorf("document should be absent: store %v, show %v", getErr, showErr)
				}
				if count != seedSections {
					t.Errorf("index holds %d sections, want the seeds' %d", count, seedSections)
				}
				for _, s := range parsed.Sections {
					if indexHolds(t, l, s.Question, id) {
						t.Errorf("a section of the absent document is searchable: %q", s.Question)
					}
				}
				return
			}
			if getErr != nil || showErr != nil {
				t.Fatalf("document should be present: store %v, show %v", getErr, showErr)
			}
			if count != seedSections+docSections {
				t.Errorf("index holds %d sections, want %d", count, seedSections+docSections)
			}
			for i, s := range parsed.Sections {
				if !sectionFound(t, l, s, document.Ref{Document: id, Section: i + 1}) {
					t.Errorf("section %d is not found by its own question %q", i+1, s.Question)
				}
			}
		})
	}
}

// sectionFound reports whether asking a section's question finds that
// section.
func sectionFound(t *testing.T, l *Library, s document.Section, ref document.Ref) bool {
	t.Helper()
	rk, err := l.Answerer().Search(context.Background(), s.Question, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range rk.Candidates {
		if c.Ref == ref {
			return true
		}
	}
	return false
}

func tempFiles(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(dir, documentsDir))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".tmp-") {
			out = append(out, e.Name())
		}
	}
	return out
}
