package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/verbatimbot/verbatim/internal/discordtest"
	"github.com/verbatimbot/verbatim/internal/library"
)

// TestMain lets a test run this very binary as the verbatim program, so
// that serve is exercised as a real process: started, signalled, exited.
func TestMain(m *testing.M) {
	if os.Getenv("VERBATIM_TEST_MAIN") == "1" {
		os.Args = append([]string{"verbatim"}, strings.Fields(os.Getenv("VERBATIM_TEST_ARGS"))...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// lockedBuffer is a child's stderr, read while it is written.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// freeAddr returns a loopback address no one listens on (for a moment).
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestServeProcess runs `verbatim serve` as a process against the Discord
// stand-in, with an index already on disk: commands registered (the time
// from process start is logged for BENCHMARKS.md), health, readiness and
// metrics served, /ask answered, a document added from the command line
// while the bot runs answered within seconds, and SIGTERM ending it with
// status 0.
func TestServeProcess(t *testing.T) {
	dir := t.TempDir()
	lib, err := library.Open(dir, library.Options{}) // the index exists before the bot starts
	if err != nil {
		t.Fatal(err)
	}
	lib.Close()

	srv := discordtest.New(t, discordtest.Options{})
	addr := freeAddr(t)
	var stderr lockedBuffer
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(),
		"VERBATIM_TEST_MAIN=1", "VERBATIM_TEST_ARGS=serve --env "+filepath.Join(dir, "no.env"),
		"DISCORD_TOKEN="+srv.Options().Token, "DISCORD_APP_ID="+srv.Options().AppID,
		"DISCORD_GUILD_ID="+srv.Options().GuildID, "DISCORD_BASE_URL="+srv.URL(),
		"DATA_DIR="+dir, "LISTEN_ADDR="+addr, "LOG_LEVEL=debug")
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("serve's log:\n%s", stderr.String())
		}
	}()
	if _, err := srv.WaitCommands(ctx, srv.Options().GuildID); err != nil {
		t.Fatalf("commands not registered: %v", err)
	}
	t.Logf("process start -> commands registered: %v", time.Since(start).Round(time.Millisecond))

	get := func(path string) (int, string) {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	// The HTTP server starts beside the bot; wait (bounded) for readiness.
	for deadline := time.Now().Add(10 * time.Second); ; {
		if code, _ := get("/readyz"); code == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			code, body := get("/readyz")
			t.Fatalf("/readyz: %d %s", code, body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if code, body := get("/healthz"); code != http.StatusOK {
		t.Errorf("/healthz: %d %s", code, body)
	}

	askIn := func(question string) string {
		t.Helper()
		id, err := srv.Interact(ctx, discordtest.Command("ask", discordtest.String("question", question)))
		if err != nil {
			t.Fatal(err)
		}
		r, err := srv.WaitResponse(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var m struct{ Content string }
		_ = json.Unmarshal(r.Data, &m)
		return m.Content
	}
	if got := askIn("Which companies compete with European providers?"); !strings.Contains(got, "Hikvision") {
		t.Errorf("/ask: %q", got)
	}
	if code, body := get("/metrics"); code != http.StatusOK || !strings.Contains(body, "verbatim_questions_total 1") ||
		!strings.Contains(body, "verbatim_documents 1") {
		t.Errorf("/metrics after one question: %d\n%s", code, body)
	}

	// An operator adds a document while the bot owns the index.
	file := filepath.Join(t.TempDir(), "orchard.txt")
	transcript := "Interviewer: What do you grow in the orchard?\n\nMarta Quispe: Mostly quinces and a few old pear trees my grandmother planted.\n\n" +
		"Interviewer: When do you harvest?\n\nMarta Quispe: In late autumn, before the first frost.\n"
	if err := os.WriteFile(file, []byte(transcript), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	getenv := func(k string) string {
		if k == "DATA_DIR" {
			return dir
		}
		return ""
	}
	if err := run(ctx, []string{"corpus", "add", "--title", "The orchard", file}, getenv, nil, &out, &errOut); err != nil {
		t.Fatalf("corpus add while the bot runs: %v\n%s", err, errOut.String())
	}
	var got string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if got = askIn("What grows in the orchard?"); strings.Contains(got, "quinces") {
			break
		}
	}
	if !strings.Contains(got, "quinces") {
		t.Errorf("the running bot did not pick up the added document: %q", got)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("serve exited with %v after SIGTERM", err)
		}
	case <-time.After(10 * time.Second):
		t.Errorf("serve still running 10s after SIGTERM")
	}
	if strings.Contains(stderr.String(), srv.Options().Token) {
		t.Error("the token appears in the log")
	}
}
