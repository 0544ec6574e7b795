package bot_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/verbatimbot/verbatim/bot"
	"github.com/verbatimbot/verbatim/internal/answer"
	"github.com/verbatimbot/verbatim/internal/config"
	"github.com/verbatimbot/verbatim/internal/discordtest"
	"github.com/verbatimbot/verbatim/internal/document"
)

// countingAnswerer counts the questions and searches that reach the answerer.
type countingAnswerer struct {
	bot.Answerer
	calls atomic.Int64
}

func (c *countingAnswerer) Ask(ctx context.Context, q, server string, top int) (answer.Answer, error) {
	c.calls.Add(1)
	return c.Answerer.Ask(ctx, q, server, top)
}

func (c *countingAnswerer) Search(ctx context.Context, q, server string, k int) (answer.Ranking, error) {
	c.calls.Add(1)
	return c.Answerer.Search(ctx, q, server, k)
}

// logRecorder keeps the level and message of every log record.
type logRecorder struct {
	mu   sync.Mutex
	recs []string
}

func (r *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *logRecorder) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *logRecorder) WithGroup(string) slog.Handler            { return r }
func (r *logRecorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.recs = append(r.recs, rec.Level.String()+" "+rec.Message)
	return nil
}

func (r *logRecorder) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.recs)
}

// since returns the records after the first n that are above debug level.
func (r *logRecorder) since(n int) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, s := range r.recs[n:] {
		if !strings.HasPrefix(s, "DEBUG ") {
			out = append(out, s)
		}
	}
	return out
}

// httpHarness is a bot in HTTP mode: its InteractionsHandler on a loopback
// server, its REST calls to a Discord stand-in.
type httpHarness struct {
	*harness // the stand-in, and Run's cancel and result
	bot      *bot.Bot
	key      ed25519.PrivateKey
	endpoint string
	ans      *countingAnswerer
	logs     *logRecorder
}

func startHTTP(t testing.TB, st setup) *httpHarness {
	t.Helper()
	ans, set := library(t)
	pub, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := discordtest.New(t, st.srvOpts)
	cfg := config.Config{Token: srv.Options().Token, AppID: srv.Options().AppID, BaseURL: srv.URL(),
		GuildID: srv.Options().GuildID, DataDir: t.TempDir(), Mode: config.ModeHTTP, PublicKey: pub}
	var a bot.Answerer = ans
	if st.answerer != nil {
		a = st.answerer
	}
	h := &httpHarness{key: key, ans: &countingAnswerer{Answerer: a}, logs: &logRecorder{}}
	var log *slog.Logger
	if st.prodLog {
		log = slog.New(logHandler(t, st)) // h.logs records nothing
	} else {
		log = slog.New(slog.NewMultiHandler(logHandler(t, st), h.logs))
	}
	h.bot, err = bot.New(cfg, h.ans, set, log)
	if err != nil {
		t.Fatal(err)
	}
	h.bot.RateBurst = 1000
	if st.tune != nil {
		st.tune(h.bot)
	}
	ep := httptest.NewServer(h.bot.InteractionsHandler())
	t.Cleanup(ep.Close) // after Run has returned (cleanups run last first)
	h.endpoint = ep.URL + "/interactions"

	h.harness = run(t, h.bot, srv)
	wctx, wcancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer wcancel()
	if _, err := srv.WaitCommands(wctx, cfg.GuildID); err != nil {
		t.Fatalf("commands not registered: %v", err)
	}
	waitReady(t, h.bot)
	return h
}

// post sends body to the bot's endpoint signed at ts, through client
// (http.DefaultClient when nil), and returns the response's status and body.
func (h *httpHarness) post(t *testing.T, ctx context.Context, client *http.Client, ts time.Time, body []byte) (int, string) {
	t.Helper()
	if client == nil {
		client = http.DefaultClient
	}
	req, err := discordtest.NewSignedRequest(ctx, h.endpoint, h.key, ts, body)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// interact sends in signed to the endpoint and returns the inline response.
func (h *httpHarness) interact(t *testing.T, ctx context.Context, in discordtest.Interaction) (string, discordtest.Response, msg) {
	t.Helper()
	id, r, err := h.srv.InteractHTTP(ctx, h.endpoint, h.key, in)
	if err != nil {
		t.Fatal(err)
	}
	var m msg
	if r.Data != nil {
		m = decode(t, r.Data)
	}
	return id, r, m
}

// waitReady polls Ready until it is nil.
func waitReady(t testing.TB, b *bot.Bot) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := b.Ready()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready after 5s: %v", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestHTTPRefusesUnsigned(t *testing.T) {
	t.Parallel()
	h := startHTTP(t, setup{})
	ctx := ctxT(t, 20*time.Second)
	_, otherKey, _ := ed25519.GenerateKey(nil)
	before, logsBefore := len(h.srv.Requests()), h.logs.len()

	post := func(body []byte, header func(http.Header)) int {
		t.Helper()
		req, err := discordtest.NewSignedRequest(ctx, h.endpoint, h.key, time.Now(), body)
		if err != nil {
			t.Fatal(err)
		}
		if header != nil {
			header(req.Header)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	signedAt := func(key ed25519.PrivateKey, ts time.Time, body []byte) func(http.Header) {
		return func(hd http.Header) {
			stamp := strconv.FormatInt(ts.Unix(), 10)
			hd.Set("X-Signature-Timestamp", stamp)
			hd.Set("X-Signature-Ed25519", discordtest.Sign(key, stamp, body))
		}
	}

	var ids []string
	cases := []struct {
		name   string
		want   int
		body   func(valid []byte) []byte
		header func(body []byte) func(http.Header)
		method string
	}{
		{name: "no headers", want: 401, header: func([]byte) func(http.Header) {
			return func(hd http.Header) { hd.Del("X-Signature-Ed25519"); hd.Del("X-Signature-Timestamp") }
		}},
		{name: "no signature", want: 401, header: func([]byte) func(http.Header) {
			return func(hd http.Header) { hd.Del("X-Signature-Ed25519") }
		}},
		{name: "no timestamp", want: 401, header: func([]byte) func(http.Header) {
			return func(hd http.Header) { hd.Del("X-Signature-Timestamp") }
		}},
		{name: "signature not hex", want: 401, header: func([]byte) func(http.Header) {
			return func(hd http.Header) { hd.Set("X-Signature-Ed25519", strings.Repeat("zz", 64)) }
		}},
		{name: "signature too short", want: 401, header: func([]byte) func(http.Header) {
			return func(hd http.Header) { hd.Set("X-Signature-Ed25519", hd.Get("X-Signature-Ed25519")[:64]) }
		}},
		{name: "timestamp not a number", want: 401, header: func(b []byte) func(http.Header) {
			return func(hd http.Header) {
				hd.Set("X-Signature-Timestamp", "yesterday")
				hd.Set("X-Signature-Ed25519", discordtest.Sign(h.key, "yesterday", b))
			}
		}},
		{name: "wrong key", want: 401, header: func(b []byte) func(http.Header) { return signedAt(otherKey, time.Now(), b) }},
		{name: "tampered body", want: 401, body: func(b []byte) []byte {
			return bytes.Replace(b, []byte("European"), []byte("Europeans"), 1)
		}, header: func(valid []byte) func(http.Header) { return signedAt(h.key, time.Now(), valid) }},
		{name: "timestamp changed after signing", want: 401, header: func([]byte) func(http.Header) {
			return func(hd http.Header) {
				n, _ := strconv.ParseInt(hd.Get("X-Signature-Timestamp"), 10, 64)
				hd.Set("X-Signature-Timestamp", strconv.FormatInt(n+1, 10))
			}
		}},
		{name: "stale timestamp", want: 401, header: func(b []byte) func(http.Header) { return signedAt(h.key, time.Now().Add(-6*time.Minute), b) }},
		{name: "far-future timestamp", want: 401, header: func(b []byte) func(http.Header) { return signedAt(h.key, time.Now().Add(6*time.Minute), b) }},
		{name: "GET", want: 405, method: http.MethodGet},
		{name: "PUT", want: 405, method: http.MethodPut},
		{name: "body over 1 MiB", want: 413, body: func(b []byte) []byte {
			return append(b[:len(b)-1:len(b)-1], []byte(`,"pad":"`+strings.Repeat("x", 1<<20)+`"}`)...)
		}},
		{name: "signed invalid JSON", want: 400, body: func(b []byte) []byte { return b[:len(b)/2] }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id, valid, err := h.srv.HTTPInteraction(ask(seedQuestion))
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
			body := valid
			var header func(http.Header)
			if c.body != nil {
				body = c.body(valid)
				if c.header == nil { // signed as sent
					header = signedAt(h.key, time.Now(), body)
				}
			}
			if c.header != nil {
				header = c.header(valid) // a signature of the request as built
			}
			if c.method != "" { // signed, but not a POST
				req, _ := http.NewRequestWithContext(ctx, c.method, h.endpoint, bytes.NewReader(body))
				signedAt(h.key, time.Now(), body)(req.Header)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != c.want {
					t.Errorf("status %d, want %d", resp.StatusCode, c.want)
				}
				return
			}
			if got := post(body, header); got != c.want {
				t.Errorf("status %d, want %d", got, c.want)
			}
		})
	}

	// Nothing ran: no question reached the answerer, no call reached
	// Discord, nothing answered, nothing logged above debug.
	if n := h.ans.calls.Load(); n != 0 {
		t.Errorf("answerer called %d times for refused requests", n)
	}
	if reqs := h.srv.Requests(); len(reqs) != before {
		for _, r := range reqs[before:] {
			t.Errorf("Discord got %s %s", r.Method, r.Path)
		}
	}
	for _, id := range ids {
		if _, ok := h.srv.Original(id); ok {
			t.Errorf("interaction %s has a response", id)
		}
	}
	if logs := h.logs.since(logsBefore); len(logs) > 0 {
		t.Errorf("logged above debug for refused requests: %q", logs)
	}

	// The same request, signed as Discord signs it, is answered.
	_, r, m := h.interact(t, ctx, ask(seedQuestion))
	if r.Type != discordtest.ResponseChannelMessage || !strings.Contains(m.Content, "Hikvision") {
		t.Errorf("signed request: %d %s", r.Type, r.Data)
	}
}

func TestHTTP(t *testing.T) {
	t.Parallel()
	h := startHTTP(t, setup{tune: func(b *bot.Bot) { b.DeferAfter = 2 * time.Second }})
	ctx := ctxT(t, 20*time.Second)

	t.Run("registered, no gateway, ready", func(t *testing.T) {
		waitReady(t, h.bot)
		if n := h.srv.Identifies(); n != 0 {
			t.Errorf("%d IDENTIFYs in HTTP mode", n)
		}
		names := map[string]bool{}
		for _, raw := range h.srv.Commands(discordtest.DefaultGuildID) {
			names[decodeName(t, raw)] = true
		}
		if !names["ask"] || !names["sources"] || !names["questions"] {
			t.Errorf("commands: %v", names)
		}
		for _, r := range h.srv.Requests() {
			if strings.Contains(r.Path, "gateway") {
				t.Errorf("gateway discovery in HTTP mode: %s %s", r.Method, r.Path)
			}
		}
	})

	t.Run("ping", func(t *testing.T) {
		_, r, err := h.srv.InteractHTTP(ctx, h.endpoint, h.key, discordtest.Ping())
		if err != nil || r.Type != discordtest.ResponsePong {
			t.Errorf("PING: %v %+v", err, r)
		}
	})

	var answerID string
	var answerMsg msg
	t.Run("ask answered inline", func(t *testing.T) {
		id, r, m := h.interact(t, ctx, ask(seedQuestion))
		answerID, answerMsg = id, m
		if r.Type != discordtest.ResponseChannelMessage || !strings.Contains(m.Content, "Huawei, ZTE, and Hikvision") ||
			!strings.Contains(m.Content, "Sascha Hannig") || !strings.Contains(m.Content, "\n> ") ||
			!strings.Contains(m.Content, "#:~:text=") || m.Flags&discordtest.FlagEphemeral != 0 {
			t.Errorf("answer: %d %s", r.Type, r.Data)
		}
		checkNoMentions(t, m)
		if _, ok := h.srv.Original(id); !ok {
			t.Error("the stand-in has no message for the inline response")
		}
	})

	t.Run("whole answer button", func(t *testing.T) {
		id := button(answerMsg, "Whole answer")
		if id == "" || !strings.HasPrefix(id, "w:") {
			t.Fatalf("button id %q", id)
		}
		_, r, m := h.interact(t, ctx, discordtest.Component(id).On(answerID))
		if r.Type != discordtest.ResponseChannelMessage || m.Flags&discordtest.FlagEphemeral == 0 ||
			!strings.Contains(m.Content, "Huawei, ZTE, and Hikvision") || len(m.Content) <= len(answerMsg.Content) {
			t.Errorf("whole answer: %d %s", r.Type, r.Data)
		}
		checkNoMentions(t, m)
	})

	t.Run("autocomplete", func(t *testing.T) {
		_, r, m := h.interact(t, ctx, discordtest.Autocomplete("ask", discordtest.Focused(discordtest.String("question", "solar"))))
		if r.Type != discordtest.ResponseAutocompleteResult || len(m.Choices) == 0 || len(m.Choices) > 25 {
			t.Fatalf("autocomplete: %d %s", r.Type, r.Data)
		}
		found := false
		for _, c := range m.Choices {
			found = found || strings.Contains(c.Name, "positive impacts on sustainability")
		}
		if !found {
			t.Errorf("solar choices: %+v", m.Choices)
		}
	})

	t.Run("sources", func(t *testing.T) {
		_, _, m := h.interact(t, ctx, discordtest.Command("sources"))
		if !strings.Contains(m.Content, "China-Latin America Technological Cooperation") {
			t.Errorf("sources: %q", m.Content)
		}
	})
}

func decodeName(t *testing.T, raw []byte) string {
	var c struct{ Name string }
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	return c.Name
}

func TestHTTPDeferred(t *testing.T) {
	t.Parallel()
	h := startHTTP(t, setup{tune: func(b *bot.Bot) { b.DeferAfter = 0 }})
	ctx := ctxT(t, 10*time.Second)

	// The deferral is the HTTP response; the answer and an error's
	// follow-up come over REST.
	id := checkDeferred(t, ctx, h, h.srv)
	if orig, ok := h.srv.Original(id); !ok || !strings.Contains(string(orig), "Hikvision") {
		t.Errorf("original after the edit: %v %s", ok, orig)
	}
}

func TestHTTPShutdown(t *testing.T) {
	t.Parallel()
	ans, _ := library(t)
	h := startHTTP(t, setup{answerer: slowAnswerer{ans, time.Second}, tune: func(b *bot.Bot) { b.DeferAfter = 100 * time.Millisecond }})
	ctx := ctxT(t, 15*time.Second)

	id, r, _ := h.interact(t, ctx, ask(seedQuestion))
	if r.Type != discordtest.ResponseDeferredChannelMessage {
		t.Fatalf("response %d, want a deferral", r.Type)
	}
	h.cancel() // the answer is still being computed
	deadline := time.Now().Add(5 * time.Second)
	for h.bot.Ready() == nil && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if err := h.bot.Ready(); err == nil || !strings.Contains(err.Error(), "shutting down") {
		t.Errorf("Ready after cancel: %v", err)
	}
	var se *discordtest.StatusError
	if _, _, err := h.srv.InteractHTTP(ctx, h.endpoint, h.key, ask(seedQuestion)); !errors.As(err, &se) || se.Code != http.StatusServiceUnavailable {
		t.Errorf("during shutdown: %v, want 503", err)
	}
	h.stop(t)
	// Run returned after the interaction in flight was finished.
	if edit, ok := h.srv.Original(id); !ok || !strings.Contains(string(edit), "Hikvision") {
		t.Errorf("in-flight answer not finished when Run returned: %s", edit)
	}
	if _, _, err := h.srv.InteractHTTP(ctx, h.endpoint, h.key, ask(seedQuestion)); !errors.As(err, &se) || se.Code != http.StatusServiceUnavailable {
		t.Errorf("after Run: %v, want 503", err)
	}
}

func TestHTTPBeforeRun(t *testing.T) {
	t.Parallel()
	ans, set := library(t)
	pub, key, _ := ed25519.GenerateKey(nil)
	srv := discordtest.New(t, discordtest.Options{})
	cfg := config.Config{Token: "t", AppID: srv.Options().AppID, Mode: config.ModeHTTP, PublicKey: pub}
	b, err := bot.New(cfg, ans, set, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Ready(); err == nil || !strings.Contains(err.Error(), "not started") {
		t.Errorf("Ready before Run: %v", err)
	}
	ep := httptest.NewServer(b.InteractionsHandler())
	defer ep.Close()
	// Commands are not registered with the stand-in: use a component.
	var se *discordtest.StatusError
	if _, _, err := srv.InteractHTTP(ctxT(t, 5*time.Second), ep.URL, key, discordtest.Component("w:x:1")); !errors.As(err, &se) || se.Code != http.StatusServiceUnavailable {
		t.Errorf("before Run: %v, want 503", err)
	}
	if _, r, err := srv.InteractHTTP(ctxT(t, 5*time.Second), ep.URL, key, discordtest.Ping()); err != nil || r.Type != discordtest.ResponsePong {
		t.Errorf("PING before Run: %v", err)
	}

	cfg.PublicKey = nil
	b, _ = bot.New(cfg, ans, set, nil)
	if err := b.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "DISCORD_PUBLIC_KEY") {
		t.Errorf("Run without a public key: %v", err)
	}
}

// failingAnswerer fails every question, and panics on a link.
type failingAnswerer struct{ *answer.Answerer }

func (failingAnswerer) Ask(context.Context, string, string, int) (answer.Answer, error) {
	return answer.Answer{}, errors.New("index unreadable")
}

func (failingAnswerer) Link(*document.Document, int) string { panic("link") }

// kinds collects OnError's calls.
type kinds struct {
	mu  sync.Mutex
	got []string
	ch  chan string
}

func newKinds() *kinds { return &kinds{ch: make(chan string, 16)} }

func (k *kinds) add(kind string) {
	k.mu.Lock()
	k.got = append(k.got, kind)
	k.mu.Unlock()
	k.ch <- kind
}

func (k *kinds) next(t *testing.T) string {
	t.Helper()
	select {
	case s := <-k.ch:
		return s
	case <-time.After(5 * time.Second):
		t.Fatal("OnError not called")
		return ""
	}
}

func TestOnError(t *testing.T) {
	t.Parallel()
	ans, _ := library(t)
	k := newKinds()
	h := startHTTP(t, setup{answerer: failingAnswerer{ans}, tune: func(b *bot.Bot) { b.OnError = k.add }})
	ctx := ctxT(t, 10*time.Second)

	// The answerer fails: the user is told, OnError hears "answer".
	_, _, m := h.interact(t, ctx, ask(seedQuestion))
	if m.Flags&discordtest.FlagEphemeral == 0 || !strings.Contains(m.Content, "internal error") {
		t.Errorf("answer error: %+v", m)
	}
	if got := k.next(t); got != bot.ErrorAnswer {
		t.Errorf("kind %q, want answer", got)
	}

	// A handler panics: the user is told, privately, in the HTTP response;
	// OnError hears "panic".
	if _, r, err := h.srv.InteractHTTP(ctx, h.endpoint, h.key, discordtest.Component("w:spcis-china-latin-america-technology:1")); err != nil ||
		r.Type != discordtest.ResponseChannelMessage || !strings.Contains(string(r.Data), "internal error") || !strings.Contains(string(r.Data), `"flags":64`) {
		t.Errorf("panic: %v %d %s, want the internal-error text, privately", err, r.Type, r.Data)
	}
	if got := k.next(t); got != bot.ErrorPanic {
		t.Errorf("kind %q, want panic", got)
	}

	// Discord refuses a call: OnError hears "discord" (gateway mode, the
	// callback after the acknowledgement deadline).
	k2 := newKinds()
	g := start(t, setup{srvOpts: discordtest.Options{AckDeadline: time.Nanosecond}, tune: func(b *bot.Bot) { b.OnError = k2.add }})
	if _, err := g.srv.Interact(ctx, ask(seedQuestion)); err != nil {
		t.Fatal(err)
	}
	if got := k2.next(t); got != bot.ErrorDiscord {
		t.Errorf("kind %q, want discord", got)
	}

	time.Sleep(50 * time.Millisecond)
	k.mu.Lock()
	k2.mu.Lock()
	if len(k.got) != 2 || len(k2.got) != 1 {
		t.Errorf("OnError calls: %q %q, want one per failed interaction", k.got, k2.got)
	}
	k2.mu.Unlock()
	k.mu.Unlock()
}

func TestGatewayReady(t *testing.T) {
	t.Parallel()
	var b *bot.Bot
	h := start(t, setup{tune: func(x *bot.Bot) { b = x }})
	waitReady(t, b)
	if h.srv.Identifies() != 1 {
		t.Errorf("IDENTIFYs: %d", h.srv.Identifies())
	}
	h.cancel()
	if err := <-h.done; err != nil {
		t.Errorf("Run: %v", err)
	}
	h.done <- nil // for the cleanup
	if err := b.Ready(); err == nil {
		t.Error("ready after Run returned")
	}
}

// A signed request sent again within its timestamp's window — someone who
// captured it replaying it — is refused, and nothing runs a second time.
func TestHTTPRefusesReplay(t *testing.T) {
	t.Parallel()
	h := startHTTP(t, setup{})
	ctx := ctxT(t, 20*time.Second)
	_, body, err := h.srv.HTTPInteraction(ask(seedQuestion))
	if err != nil {
		t.Fatal(err)
	}
	ts := time.Now()
	send := func() (int, string) { t.Helper(); return h.post(t, ctx, nil, ts, body) }
	if code, got := send(); code != http.StatusOK || !strings.Contains(got, "Hikvision") {
		t.Fatalf("first: %d %s", code, got)
	}
	if code, _ := send(); code != http.StatusUnauthorized {
		t.Errorf("replayed: %d, want 401", code)
	}
	if n := h.ans.calls.Load(); n != 1 {
		t.Errorf("answerer called %d times, want once", n)
	}
}

type panickingAnswerer struct{ *answer.Answerer }

func (panickingAnswerer) Ask(context.Context, string, string, int) (answer.Answer, error) {
	panic("nil document")
}

// A panic while answering (on its own goroutine, out of handle's reach)
// is this question's internal error, counted as a panic, and the bot goes
// on answering.
func TestAskPanicSurvived(t *testing.T) {
	t.Parallel()
	ans, _ := library(t)
	k := newKinds()
	// One answer worker: the second question is answered by the worker
	// that recovered from the first's panic.
	h := start(t, setup{answerer: panickingAnswerer{ans}, tune: func(b *bot.Bot) { b.OnError = k.add; b.MaxInFlight = 1 }})
	ctx := ctxT(t, 10*time.Second)
	for range 2 {
		_, _, m := h.interact(t, ctx, ask(seedQuestion))
		if m.Flags&discordtest.FlagEphemeral == 0 || !strings.Contains(m.Content, "internal error") {
			t.Errorf("reply: %+v", m)
		}
		if got := k.next(t); got != bot.ErrorPanic {
			t.Errorf("kind %q, want panic", got)
		}
	}
}

// An interaction the bot has no handler for (a modal submission: it opens
// no modals) is answered 500 rather than left for Discord to time out.
func TestHTTPUnansweredInteraction(t *testing.T) {
	t.Parallel()
	h := startHTTP(t, setup{})
	ctx := ctxT(t, 20*time.Second)
	body := []byte(`{"id":"1200000000000000001","application_id":"` + h.srv.Options().AppID +
		`","type":5,"token":"modal-token","version":1,"guild_id":"` + h.srv.Options().GuildID +
		`","channel_id":"` + h.srv.Options().ChannelID + `","data":{"custom_id":"x","components":[]}}`)
	if code, got := h.post(t, ctx, nil, time.Now(), body); code != http.StatusInternalServerError || !strings.Contains(got, "not answered") {
		t.Errorf("unhandled interaction: %d %s, want 500", code, got)
	}
	// The bot goes on answering on the same server.
	if _, r, _ := h.interact(t, ctx, ask(seedQuestion)); r.Type != discordtest.ResponseChannelMessage {
		t.Errorf("then /ask: response %d", r.Type)
	}
}

// heldAnswerer holds the answer to one question until release is closed;
// others are answered at once.
type heldAnswerer struct {
	*answer.Answerer
	held    string
	release chan struct{}
}

func (h heldAnswerer) Ask(ctx context.Context, q, server string, top int) (answer.Answer, error) {
	if q == h.held {
		<-h.release
	}
	return h.Answerer.Ask(ctx, q, server, top)
}

// A handler still at work after its first response (here a deferred
// /ask whose answer is slow) does not hold the connection that response
// went out on: Discord keeps its connections alive and may send the next
// interaction on the same one, which must not wait for the first to end.
func TestHTTPConnectionNotHeld(t *testing.T) {
	t.Parallel()
	ans, _ := library(t)
	slow := "What role do CGTN and Xinhua play?"
	release := make(chan struct{})
	h := startHTTP(t, setup{answerer: heldAnswerer{ans, slow, release},
		tune: func(b *bot.Bot) { b.DeferAfter = 50 * time.Millisecond }})
	defer close(release)
	ctx := ctxT(t, 20*time.Second)
	// One connection for both requests.
	client := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 1}, Timeout: 10 * time.Second}
	post := func(q string) (int, string) {
		t.Helper()
		_, body, err := h.srv.HTTPInteraction(ask(q))
		if err != nil {
			t.Fatal(err)
		}
		return h.post(t, ctx, client, time.Now(), body)
	}
	if code, got := post(slow); code != http.StatusOK || !strings.Contains(got, `"type":5`) {
		t.Fatalf("held question: %d %s, want a deferral", code, got)
	}
	// The held answer is still being waited for; the next question, on the
	// same connection, is answered all the same.
	if code, got := post(seedQuestion); code != http.StatusOK || !strings.Contains(got, "Hikvision") {
		t.Errorf("next question on the connection: %d %s", code, got)
	}
}

// A shutdown asked for while the commands are still being registered (a
// SIGTERM as the bot starts) is a clean one: Run returns nil, not the
// registration's "context canceled". Interactions are taken meanwhile (the
// commands of an earlier start answer), and one in flight is finished
// first, as at any shutdown: Run waits for it.
func TestShutdownWhileRegistering(t *testing.T) {
	t.Parallel()
	ans, set := library(t)
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	// Discord, whose registration stalls once stall is set.
	srv := discordtest.New(t, discordtest.Options{})
	target, err := url.Parse(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	var stall atomic.Bool
	arrived, quit := make(chan struct{}, 1), make(chan struct{})
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !stall.Load() || r.Method != http.MethodPut {
			proxy.ServeHTTP(w, r)
			return
		}
		select {
		case arrived <- struct{}{}:
		default:
		}
		select { // Discord does not answer the registration
		case <-r.Context().Done():
		case <-quit:
		}
	}))
	defer front.Close()
	defer close(quit)
	cfg := config.Config{Token: discordtest.DefaultToken, AppID: discordtest.DefaultAppID, BaseURL: front.URL,
		GuildID: discordtest.DefaultGuildID, DataDir: t.TempDir(), Mode: config.ModeHTTP, PublicKey: pub}
	runUntil := func(b *bot.Bot, started func()) error {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- b.Run(ctx) }()
		started()
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second):
			t.Fatal("Run did not return")
			return nil
		}
	}

	// An earlier start registers the commands.
	earlier, err := bot.New(cfg, ans, set, slog.New(logHandler(t, setup{})))
	if err != nil {
		t.Fatal(err)
	}
	if err := runUntil(earlier, func() { waitReady(t, earlier) }); err != nil {
		t.Fatal(err)
	}

	stall.Store(true)
	gate := gatedAnswerer{ans, make(chan struct{}, 1), make(chan struct{})}
	b, err := bot.New(cfg, gate, set, slog.New(logHandler(t, setup{})))
	if err != nil {
		t.Fatal(err)
	}
	ep := httptest.NewServer(b.InteractionsHandler())
	defer ep.Close()
	status := make(chan int, 1)
	err = runUntil(b, func() {
		select {
		case <-arrived:
		case <-time.After(10 * time.Second):
			t.Fatal("the commands were never sent")
		}
		_, body, err := srv.HTTPInteraction(ask(seedQuestion))
		if err != nil {
			t.Fatal(err)
		}
		req, err := discordtest.NewSignedRequest(context.Background(), ep.URL+"/interactions", priv, time.Now(), body)
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				status <- 0
				return
			}
			resp.Body.Close()
			status <- resp.StatusCode
		}()
		select {
		case <-gate.started: // the question is being answered
		case <-time.After(10 * time.Second):
			t.Fatal("the question was not taken while the commands were registering")
		}
		// Released once Run has been asked to stop: it must not return
		// before then.
		time.AfterFunc(200*time.Millisecond, func() { close(gate.release) })
	})
	if err != nil {
		t.Errorf("Run after a shutdown while registering: %v", err)
	}
	select {
	case <-gate.release:
	default:
		t.Error("Run returned with a question still being answered")
	}
	if code := <-status; code != http.StatusOK {
		t.Errorf("the question in flight: status %d, want 200", code)
	}
}
