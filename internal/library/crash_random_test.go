//go:build unix

package library

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/verbatimbot/verbatim/internal/document"
)

const envCrashStream = "VERBATIM_CRASH_STREAM"

// TestCrashStreamHelper is the child of TestCrashAtRandomMoments: it adds
// documents one after another, removing every third one's predecessor,
// and says on stdout what it is doing, until it is killed.
func TestCrashStreamHelper(t *testing.T) {
	dir := os.Getenv(envCrashStream)
	if dir == "" {
		t.Skip("run by TestCrashAtRandomMoments")
	}
	l, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	g := newGenerator(7)
	ctx := context.Background()
	var last string
	for k := 0; k < 10000; k++ {
		d := g.interview(k, 4)
		e, err := l.Add(ctx, Upload{Name: d.Name, Data: []byte(d.Text), Title: d.Title})
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(os.Stdout, "accepted %s\n", e.ID)
		if k%3 == 2 {
			fmt.Fprintf(os.Stdout, "removing %s\n", last)
			if _, err := l.Remove(ctx, last, ""); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(os.Stdout, "removed %s\n", last)
		}
		last = e.ID
	}
	t.Fatal("never killed")
}

// TestCrashAtRandomMoments kills a process that adds and removes
// documents at moments no hook chooses — inside bleve's batches and its
// persister as well as between the store's steps — and checks that the
// reopened library has every accepted document whole, no removed one, and
// an index that holds exactly the sections of the stored documents.
func TestCrashAtRandomMoments(t *testing.T) {
	if os.Getenv(envCrashStream) != "" || os.Getenv(envCrashPoint) != "" {
		t.Skip("in a helper")
	}
	mem := openLib(t, "")
	seedSections := mem.index.get().Count()
	r := rand.New(rand.NewPCG(1, 2))
	for trial := range 8 {
		delay := time.Duration(r.IntN(400)) * time.Millisecond
		t.Run(fmt.Sprintf("after%v", delay), func(t *testing.T) {
			dir := t.TempDir()
			cmd := exec.Command(os.Args[0], "-test.run=^TestCrashStreamHelper$", "-test.count=1")
			cmd.Env = append(os.Environ(), envCrashStream+"="+dir)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			lines := make(chan string, 1024)
			go func() {
				sc := bufio.NewScanner(out)
				for sc.Scan() {
					lines <- sc.Text()
				}
				close(lines)
			}()
			// Kill it some time after its first document was accepted.
			var log []string
			first := time.NewTimer(30 * time.Second)
			defer first.Stop()
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("helper ended before adding anything: %v", cmd.Wait())
				}
				log = append(log, l)
			case <-first.C:
				_ = cmd.Process.Kill()
				t.Fatal("helper added nothing within 30s")
			}
			time.Sleep(delay) // the moment of the crash, not a synchronisation
			_ = cmd.Process.Signal(syscall.SIGKILL)
			for l := range lines {
				log = append(log, l)
			}
			err = cmd.Wait()
			if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
				t.Fatalf("helper was not killed: %v", err)
			}

			// What the helper was told happened.
			accepted, removed, removing := map[string]bool{}, map[string]bool{}, ""
			for _, l := range log {
				verb, id, _ := strings.Cut(l, " ")
				switch verb {
				case "accepted":
					accepted[id] = true
				case "removing":
					removing = id
				case "removed":
					removed[id], removing = true, ""
				}
			}

			l := openLib(t, dir)
			want := seedSections
			for _, e := range l.List("") {
				if e.Seed {
					continue
				}
				d, ok := l.Corpus().Document(e.ID)
				if !ok {
					t.Fatalf("%s listed but not in the corpus", e.ID)
				}
				want += len(d.Sections) + 1 // and its introduction
				if removed[e.ID] {
					t.Errorf("%s was removed before the crash but is back", e.ID)
				}
				if !sectionFound(t, l, d.Sections[0], document.Ref{Document: e.ID, Section: 1}) {
					t.Errorf("%s is stored but its first question does not find it", e.ID)
				}
			}
			for id := range accepted {
				if removed[id] || id == removing {
					continue
				}
				if _, err := l.Show(id, ""); err != nil {
					t.Errorf("accepted document %s lost: %v", id, err)
				}
			}
			if got := l.index.get().Count(); got != want {
				t.Errorf("index holds %d sections, the stored documents make %d", got, want)
			}
			t.Logf("trial %d: killed %v after the first add; %d accepted, %d removed before the crash", trial, delay, len(accepted), len(removed))
		})
	}
}
