//go:build unix

package web

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestBrowser loads the pages in headless Chromium, driven over the
// DevTools protocol: no console errors or CSP violations, the targeted
// question in view, the question box answering, nothing wider than a
// phone. Screenshots go to $VERBATIM_ARTIFACTS (or <repo>/artifacts).
func TestBrowser(t *testing.T) {
	chromium := findChromium()
	if chromium == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("Chromium is not installed, and CI must run the browser tests (install the chromium package)")
		}
		t.Skip("Chromium not installed; install the chromium package to run the browser tests")
	}
	f := newFixture(t)
	base := startServer(t, f)
	b := startBrowser(t, chromium)
	artifacts := artifactsDir(t)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	p := b.newPage(ctx, t)
	p.viewport(ctx, t, 1280, 800, 1, false)

	t.Run("detects CSP violations", func(t *testing.T) {
		// The check below is only worth something if it sees a violation.
		mark := p.navigate(ctx, t, base+"/test/csp-violation")
		time.Sleep(100 * time.Millisecond)
		problems := p.problems(mark)
		if len(problems) == 0 {
			t.Error("a page breaking its CSP reported no error: the console checks see nothing")
		}
		for _, pr := range problems {
			t.Logf("seen, as it should be: %s", pr)
		}
	})

	t.Run("document page at a question", func(t *testing.T) {
		mark := p.navigate(ctx, t, base+"/docs/"+seedID+"#q3")
		p.noProblems(t, mark)
		p.waitTrue(ctx, t, `(() => { const e = document.querySelector(':target'); return !!e && e.id === 'q3'; })()`)
		p.waitTrue(ctx, t, `(() => { const r = document.querySelector(':target h2').getBoundingClientRect(); return r.top >= 0 && r.top < innerHeight; })()`)
		var title string
		p.eval(ctx, t, `document.querySelector(':target h2').textContent`, &title)
		if !strings.Contains(title, "sustainability") {
			t.Errorf("targeted heading %q", title)
		}
		var outline string
		p.eval(ctx, t, `getComputedStyle(document.querySelector(':target')).outlineStyle`, &outline)
		if outline != "solid" {
			t.Errorf("the targeted question is not outlined (outline-style %q)", outline)
		}
		p.screenshot(ctx, t, filepath.Join(artifacts, "document-q3.png"))
	})

	t.Run("question box", func(t *testing.T) {
		mark := p.navigate(ctx, t, base+"/")
		p.noProblems(t, mark)
		mark = p.events()
		p.eval(ctx, t, `(() => {
			document.querySelector('input[name=q]').value = 'Which companies compete with European providers?';
			document.querySelector('form').requestSubmit();
			return true;
		})()`, nil)
		p.waitEvent(ctx, t, "Page.loadEventFired", mark)
		p.noProblems(t, mark)
		p.waitTrue(ctx, t, `[...document.querySelectorAll('blockquote')].some(q => q.textContent.includes('Hikvision'))`)
		var href string
		p.eval(ctx, t, `location.search`, &href)
		if !strings.HasPrefix(href, "?q=Which+companies") {
			t.Errorf("submitted to %q", href)
		}
		p.screenshot(ctx, t, filepath.Join(artifacts, "ask-answer.png"))
	})

	t.Run("phone", func(t *testing.T) {
		p.viewport(ctx, t, 390, 844, 2, true)
		for _, c := range []struct{ path, shot string }{
			{"/docs/" + seedID, "phone-document.png"},
			{"/?q=" + url.QueryEscape("Which companies compete with European providers?"), "phone-answer.png"},
			{"/docs/" + hostileID, ""},
			{"/?q=" + url.QueryEscape("What is the boiling point of mercury?"), ""},
		} {
			mark := p.navigate(ctx, t, base+c.path)
			p.noProblems(t, mark)
			var m struct{ Scroll, Inner float64 }
			p.eval(ctx, t, `({Scroll: document.documentElement.scrollWidth, Inner: innerWidth})`, &m)
			if m.Inner != 390 || m.Scroll > m.Inner {
				t.Errorf("%s: scrollWidth %v, innerWidth %v: the page overflows a phone", c.path, m.Scroll, m.Inner)
			}
			if c.shot != "" {
				p.screenshot(ctx, t, filepath.Join(artifacts, c.shot))
			}
		}
	})
}

// startServer serves the fixture on 127.0.0.1:0 through ServeListener,
// plus one test page that breaks the pages' CSP on purpose.
func startServer(t *testing.T, f *fixture) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/", f.server.Handler())
	mux.HandleFunc("/test/csp-violation", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", contentSecurityPolicy)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, `<!doctype html><html lang="en"><title>x</title><style>p{color:red}</style><script>console.log(1)</script><p>x</p>`)
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ServeListener(ctx, ln, mux, slog.New(slog.DiscardHandler)) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return "http://" + ln.Addr().String()
}

func findChromium() string {
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	return ""
}

// artifactsDir is $VERBATIM_ARTIFACTS, relative to the repository root when
// relative, or <repository root>/artifacts.
func artifactsDir(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	for d := root; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			root = d
			break
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	dir := os.Getenv("VERBATIM_ARTIFACTS")
	switch {
	case dir == "":
		dir = filepath.Join(root, "artifacts")
	case !filepath.IsAbs(dir):
		dir = filepath.Join(root, dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// browser is a headless Chromium and a DevTools protocol connection to it.
type browser struct {
	conn    *websocket.Conn
	writeMu sync.Mutex
	nextID  atomic.Int64

	mu      sync.Mutex
	pending map[int64]chan cdpMessage
	log     []cdpMessage  // every event, in order
	changed chan struct{} // closed when log grows or the connection ends
	closed  error
}

type cdpMessage struct {
	ID        int64           `json:"id,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
	Method    string          `json:"method,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

var devtoolsLine = regexp.MustCompile(`DevTools listening on (ws://\S+)`)

func startBrowser(t *testing.T, path string) *browser {
	t.Helper()
	cmd := exec.Command(path,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--no-default-browser-check", "--mute-audio",
		"--user-data-dir="+t.TempDir(), "--remote-debugging-port=0", "about:blank")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // the launcher script and its children go together
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", path, err)
	}
	exited := make(chan struct{})
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	})

	found := make(chan string, 1)
	var tail []string
	var tailMu sync.Mutex
	go func() {
		// Keep reading stderr to the end so Chromium never blocks on it.
		s := bufio.NewScanner(stderr)
		s.Buffer(make([]byte, 64<<10), 1<<20)
		for s.Scan() {
			line := s.Text()
			if m := devtoolsLine.FindStringSubmatch(line); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
			tailMu.Lock()
			tail = append(tail, line)
			if len(tail) > 20 {
				tail = tail[1:]
			}
			tailMu.Unlock()
		}
		_ = cmd.Wait()
		close(exited)
	}()
	var wsURL string
	select {
	case wsURL = <-found:
	case <-exited:
		tailMu.Lock()
		defer tailMu.Unlock()
		t.Fatalf("Chromium exited before listening:\n%s", strings.Join(tail, "\n"))
	case <-time.After(30 * time.Second):
		tailMu.Lock()
		defer tailMu.Unlock()
		t.Fatalf("Chromium did not print its DevTools address within 30s:\n%s", strings.Join(tail, "\n"))
	}

	dialer := websocket.Dialer{HandshakeTimeout: 10 * time.Second}
	conn, _, err := dialer.Dial(wsURL, nil)
	if err != nil {
		t.Fatalf("connect to %s: %v", wsURL, err)
	}
	conn.SetReadLimit(64 << 20) // screenshots
	b := &browser{conn: conn, pending: map[int64]chan cdpMessage{}, changed: make(chan struct{})}
	go b.read()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		_ = b.call(ctx, "", "Browser.close", nil, nil)
		_ = conn.Close()
	})
	return b
}

func (b *browser) read() {
	for {
		var m cdpMessage
		if err := b.conn.ReadJSON(&m); err != nil {
			b.mu.Lock()
			b.closed = fmt.Errorf("DevTools connection: %w", err)
			for _, ch := range b.pending {
				close(ch)
			}
			b.pending = nil
			close(b.changed)
			b.mu.Unlock()
			return
		}
		b.mu.Lock()
		if m.ID != 0 {
			if ch, ok := b.pending[m.ID]; ok {
				ch <- m
				delete(b.pending, m.ID)
			}
		} else {
			b.log = append(b.log, m)
			close(b.changed)
			b.changed = make(chan struct{})
		}
		b.mu.Unlock()
	}
}

// call sends a command (to a page when session is set) and decodes its
// result into result when not nil.
func (b *browser) call(ctx context.Context, session, method string, params, result any) error {
	id := b.nextID.Add(1)
	ch := make(chan cdpMessage, 1)
	b.mu.Lock()
	if b.closed != nil {
		b.mu.Unlock()
		return b.closed
	}
	b.pending[id] = ch
	b.mu.Unlock()
	msg := map[string]any{"id": id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	if session != "" {
		msg["sessionId"] = session
	}
	b.writeMu.Lock()
	_ = b.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	err := b.conn.WriteJSON(msg)
	b.writeMu.Unlock()
	if err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	select {
	case m, ok := <-ch:
		if !ok {
			return fmt.Errorf("%s: connection closed", method)
		}
		if m.Error != nil {
			return fmt.Errorf("%s: %s (%d)", method, m.Error.Message, m.Error.Code)
		}
		if result != nil {
			return json.Unmarshal(m.Result, result)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%s: %w", method, ctx.Err())
	}
}

// tab is one page of the browser, attached with its own session.
type tab struct {
	b       *browser
	session string
}

func (b *browser) newPage(ctx context.Context, t *testing.T) *tab {
	t.Helper()
	var target struct{ TargetID string }
	if err := b.call(ctx, "", "Target.createTarget", map[string]any{"url": "about:blank"}, &target); err != nil {
		t.Fatal(err)
	}
	var att struct{ SessionID string }
	if err := b.call(ctx, "", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &att); err != nil {
		t.Fatal(err)
	}
	p := &tab{b: b, session: att.SessionID}
	for _, domain := range []string{"Page", "Runtime", "Log"} {
		if err := b.call(ctx, p.session, domain+".enable", nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

func (p *tab) viewport(ctx context.Context, t *testing.T, w, h int, scale float64, mobile bool) {
	t.Helper()
	err := p.b.call(ctx, p.session, "Emulation.setDeviceMetricsOverride", map[string]any{
		"width": w, "height": h, "deviceScaleFactor": scale, "mobile": mobile,
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
}

// events returns a mark: the number of events seen so far.
func (p *tab) events() int {
	p.b.mu.Lock()
	defer p.b.mu.Unlock()
	return len(p.b.log)
}

// waitEvent waits for an event of this page after mark.
func (p *tab) waitEvent(ctx context.Context, t *testing.T, method string, mark int) cdpMessage {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	for i := mark; ; {
		p.b.mu.Lock()
		for ; i < len(p.b.log); i++ {
			if m := p.b.log[i]; m.SessionID == p.session && m.Method == method {
				p.b.mu.Unlock()
				return m
			}
		}
		changed, closed := p.b.changed, p.b.closed
		p.b.mu.Unlock()
		if closed != nil {
			t.Fatalf("waiting for %s: %v", method, closed)
		}
		select {
		case <-changed:
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v", method, ctx.Err())
		}
	}
}

// navigate loads url and waits for its load event; it returns the mark
// from which the page's events are its own.
func (p *tab) navigate(ctx context.Context, t *testing.T, url string) int {
	t.Helper()
	mark := p.events()
	var res struct{ ErrorText string }
	if err := p.b.call(ctx, p.session, "Page.navigate", map[string]any{"url": url}, &res); err != nil {
		t.Fatal(err)
	}
	if res.ErrorText != "" {
		t.Fatalf("navigate to %s: %s", url, res.ErrorText)
	}
	p.waitEvent(ctx, t, "Page.loadEventFired", mark)
	return mark
}

// problems lists the console errors, exceptions and error log entries
// (CSP violations among them) of this page since mark.
func (p *tab) problems(mark int) []string {
	p.b.mu.Lock()
	defer p.b.mu.Unlock()
	var out []string
	for _, m := range p.b.log[mark:] {
		if m.SessionID != p.session {
			continue
		}
		switch m.Method {
		case "Runtime.consoleAPICalled":
			var e struct {
				Type string
				Args []struct{ Value any }
			}
			_ = json.Unmarshal(m.Params, &e)
			if e.Type == "error" || e.Type == "assert" {
				out = append(out, fmt.Sprintf("console.%s %v", e.Type, e.Args))
			}
		case "Runtime.exceptionThrown":
			out = append(out, "exception: "+string(m.Params))
		case "Log.entryAdded":
			var e struct {
				Entry struct{ Source, Level, Text, URL string }
			}
			_ = json.Unmarshal(m.Params, &e)
			if e.Entry.Level == "error" {
				out = append(out, fmt.Sprintf("log (%s): %s %s", e.Entry.Source, e.Entry.Text, e.Entry.URL))
			}
		}
	}
	return out
}

func (p *tab) noProblems(t *testing.T, mark int) {
	t.Helper()
	// Console messages can trail the load event a little.
	time.Sleep(100 * time.Millisecond)
	for _, pr := range p.problems(mark) {
		t.Error(pr)
	}
}

// eval evaluates a JavaScript expression and decodes its value into out
// when not nil.
func (p *tab) eval(ctx context.Context, t *testing.T, expr string, out any) {
	t.Helper()
	if err := p.evalErr(ctx, expr, out); err != nil {
		t.Fatal(err)
	}
}

func (p *tab) evalErr(ctx context.Context, expr string, out any) error {
	var res struct {
		Result struct {
			Value json.RawMessage
		}
		ExceptionDetails *struct {
			Text      string
			Exception struct{ Description string }
		}
	}
	err := p.b.call(ctx, p.session, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true, "awaitPromise": true}, &res)
	if err != nil {
		return err
	}
	if e := res.ExceptionDetails; e != nil {
		return fmt.Errorf("evaluate %s: %s %s", expr, e.Text, e.Exception.Description)
	}
	if out != nil {
		return json.Unmarshal(res.Result.Value, out)
	}
	return nil
}

// waitTrue polls expr until it is true, for a few seconds at most.
func (p *tab) waitTrue(ctx context.Context, t *testing.T, expr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var last error
	for {
		var ok bool
		if last = p.evalErr(ctx, expr, &ok); last == nil && ok {
			return
		}
		select {
		case <-ctx.Done():
			if last == nil {
				last = errors.New("still false")
			}
			t.Fatalf("%s: %v", expr, last)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (p *tab) screenshot(ctx context.Context, t *testing.T, path string) {
	t.Helper()
	var res struct{ Data string }
	if err := p.b.call(ctx, p.session, "Page.captureScreenshot", map[string]any{"format": "png"}, &res); err != nil {
		t.Fatal(err)
	}
	png, err := base64.StdEncoding.DecodeString(res.Data)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}
