package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
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
	if os.Getenv("VERBATIM_TEST_CONTROL") == "1" {
		if err := serveControl(); err != nil {
			fmt.Fprintln(os.Stderr, "control:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
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
	p := startServe(t, srv, dir)
	ctx := p.ctx
	if _, err := srv.WaitCommands(ctx, srv.Options().GuildID); err != nil {
		t.Fatalf("commands not registered: %v", err)
	}
	t.Logf("process start -> commands registered: %v", time.Since(p.start).Round(time.Millisecond))

	get := p.get
	p.waitReady()
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

	p.stop()
	if strings.Contains(p.stderr.String(), srv.Options().Token) {
		t.Error("the token appears in the log")
	}
}

// serveProcess is `verbatim serve` running as a child process.
type serveProcess struct {
	t      *testing.T
	ctx    context.Context
	addr   string // its HTTP server
	start  time.Time
	cmd    *exec.Cmd
	exited chan error
	stderr *lockedBuffer
}

// startServe starts `verbatim serve` on dataDir against the stand-in,
// with extra environment variables, and kills it when the test ends.
func startServe(t *testing.T, srv *discordtest.Server, dataDir string, env ...string) *serveProcess {
	t.Helper()
	return startCommand(t, "serve", dataDir, append([]string{
		"DISCORD_TOKEN=" + srv.Options().Token, "DISCORD_APP_ID=" + srv.Options().AppID,
		"DISCORD_GUILD_ID=" + srv.Options().GuildID, "DISCORD_BASE_URL=" + srv.URL()}, env...)...)
}

// startCommand starts `verbatim COMMAND` (serve or web) on dataDir with
// extra environment variables and no .env, and kills it when the test ends.
func startCommand(t *testing.T, command, dataDir string, env ...string) *serveProcess {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	p := &serveProcess{t: t, ctx: ctx, addr: freeAddr(t), exited: make(chan error, 1), stderr: &lockedBuffer{}}
	p.cmd = exec.Command(os.Args[0], "-test.run=^$")
	p.cmd.Env = append(append(os.Environ(),
		"VERBATIM_TEST_MAIN=1", "VERBATIM_TEST_ARGS="+command+" --env "+filepath.Join(dataDir, "no.env"),
		"DATA_DIR="+dataDir, "LISTEN_ADDR="+p.addr, "LOG_LEVEL=debug"), env...)
	p.cmd.Stdout, p.cmd.Stderr = io.Discard, p.stderr
	p.start = time.Now()
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.exited <- p.cmd.Wait() }()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
		if t.Failed() {
			t.Logf("serve's log:\n%s", p.stderr.String())
		}
	})
	return p
}

// get fetches path from the process's HTTP server.
func (p *serveProcess) get(path string) (int, string) {
	p.t.Helper()
	req, _ := http.NewRequestWithContext(p.ctx, http.MethodGet, "http://"+p.addr+path, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// waitReady waits (bounded) until /readyz answers 200.
func (p *serveProcess) waitReady() {
	p.t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; {
		if code, _ := p.get("/readyz"); code == http.StatusOK {
			return
		}
		if time.Now().After(deadline) {
			code, body := p.get("/readyz")
			p.t.Fatalf("/readyz: %d %s", code, body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop sends SIGTERM and expects exit status 0 within 10 s.
func (p *serveProcess) stop() {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		p.t.Fatal(err)
	}
	select {
	case err := <-p.exited:
		if err != nil {
			p.t.Errorf("serve exited with %v after SIGTERM", err)
		}
	case <-time.After(10 * time.Second):
		p.t.Errorf("serve still running 10s after SIGTERM")
	}
}

// TestServeProcessHTTPMode runs `verbatim serve` with DISCORD_MODE=http:
// no gateway connection, the commands registered, and /interactions on
// its HTTP server answering a signed PING and /ask and refusing a request
// signed with another key.
func TestServeProcessHTTPMode(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	_, other, _ := ed25519.GenerateKey(nil)
	srv := discordtest.New(t, discordtest.Options{})
	p := startServe(t, srv, t.TempDir(), "DISCORD_MODE=http", "DISCORD_PUBLIC_KEY="+hex.EncodeToString(pub))
	if _, err := srv.WaitCommands(p.ctx, srv.Options().GuildID); err != nil {
		t.Fatalf("commands not registered: %v", err)
	}
	p.waitReady()
	endpoint := "http://" + p.addr + "/interactions"
	if _, r, err := srv.InteractHTTP(p.ctx, endpoint, priv, discordtest.Ping()); err != nil || r.Type != discordtest.ResponsePong {
		t.Fatalf("PING: %v %+v", err, r)
	}
	_, r, err := srv.InteractHTTP(p.ctx, endpoint, priv, discordtest.Command("ask", discordtest.String("question", "Which companies compete with European providers?")))
	if err != nil || !strings.Contains(string(r.Data), "Hikvision") {
		t.Fatalf("/ask over HTTP: %v %s", err, r.Data)
	}
	var se *discordtest.StatusError
	if _, _, err := srv.InteractHTTP(p.ctx, endpoint, other, discordtest.Ping()); !errors.As(err, &se) || se.Code != http.StatusUnauthorized {
		t.Errorf("a request signed with another key: %v", err)
	}
	if srv.Identifies() != 0 {
		t.Errorf("http mode opened a gateway connection (%d identifies)", srv.Identifies())
	}
	p.stop()
}

// TestWebProcess runs `verbatim web` with no Discord variables at all: the
// ask box answers from the seeds, health and readiness are served, and
// SIGTERM ends it with status 0.
func TestWebProcess(t *testing.T) {
	p := startCommand(t, "web", t.TempDir())
	p.waitReady()
	if code, body := p.get("/?q=" + url.QueryEscape("Which companies compete with European providers?")); code != http.StatusOK || !strings.Contains(body, "Hikvision") {
		t.Errorf("ask box: %d %.300s", code, body)
	}
	if code, _ := p.get("/healthz"); code != http.StatusOK {
		t.Errorf("/healthz: %d", code)
	}
	if code, _ := p.get("/interactions"); code != http.StatusNotFound {
		t.Errorf("/interactions without the bot: %d", code)
	}
	p.stop()
}
