package discordtest_test

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/verbatimbot/verbatim/internal/discordtest"
)

func ctxT(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// noKeepAlive keeps test HTTP clients from leaving idle-connection goroutines behind.
var noKeepAlive = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}

// call sends a REST request with the bot token and decodes a JSON answer (nil if none).
func call(t *testing.T, srv *discordtest.Server, method, path string, body any) (int, map[string]any) {
	t.Helper()
	return callAuth(t, srv, "Bot "+srv.Options().Token, method, path, body)
}

func callAuth(t *testing.T, srv *discordtest.Server, auth, method, path string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, srv.URL()+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := noKeepAlive.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(b) > 0 && b[0] == '{' {
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("%s %s: bad JSON %q", method, path, b)
		}
	}
	return resp.StatusCode, out
}

// rawGateway is a minimal gateway client, to test the protocol without discordgo.
type rawGateway struct {
	t  *testing.T
	ws *websocket.Conn
}

type frame struct {
	Op int             `json:"op"`
	D  json.RawMessage `json:"d"`
	S  *int64          `json:"s"`
	T  string          `json:"t"`
	// Binary reports a zlib-compressed binary frame.
	Binary bool `json:"-"`
}

// dialRaw connects and reads HELLO; it does not identify.
func dialRaw(t *testing.T, srv *discordtest.Server) *rawGateway {
	t.Helper()
	d := websocket.Dialer{HandshakeTimeout: 2 * time.Second}
	ws, _, err := d.Dial(srv.GatewayURL()+"/?v=9&encoding=json", nil)
	if err != nil {
		t.Fatal(err)
	}
	g := &rawGateway{t: t, ws: ws}
	t.Cleanup(func() { ws.Close() })
	if f := g.next(); f.Op != 10 {
		t.Fatalf("first frame op %d, want HELLO", f.Op)
	}
	return g
}

func (g *rawGateway) send(op int, d any) {
	g.t.Helper()
	if err := g.ws.WriteJSON(map[string]any{"op": op, "d": d}); err != nil {
		g.t.Fatal(err)
	}
}

func (g *rawGateway) identify(compress bool) frame {
	g.t.Helper()
	g.send(2, map[string]any{"token": "Bot " + discordtest.DefaultToken, "intents": 1, "compress": compress,
		"properties": map[string]string{"os": "linux", "browser": "test", "device": "test"}})
	return g.nextDispatch("READY")
}

func (g *rawGateway) next() frame {
	g.t.Helper()
	f, err := g.read()
	if err != nil {
		g.t.Fatalf("gateway read: %v", err)
	}
	return f
}

func (g *rawGateway) read() (frame, error) {
	g.ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	mt, b, err := g.ws.ReadMessage()
	if err != nil {
		return frame{}, err
	}
	var f frame
	if mt == websocket.BinaryMessage {
		zr, err := zlib.NewReader(bytes.NewReader(b))
		if err != nil {
			return frame{}, err
		}
		if b, err = io.ReadAll(zr); err != nil {
			return frame{}, err
		}
		f.Binary = true
	}
	err = json.Unmarshal(b, &f)
	return f, err
}

// nextDispatch skips to the next dispatch named name.
func (g *rawGateway) nextDispatch(name string) frame {
	g.t.Helper()
	for i := 0; i < 50; i++ {
		f := g.next()
		if f.Op == 0 && f.T == name {
			return f
		}
	}
	g.t.Fatalf("no %s dispatch", name)
	return frame{}
}

// registerAsk registers /ask question:<string, autocomplete> hide:<bool> in the default guild.
func registerAsk(t *testing.T, srv *discordtest.Server) {
	t.Helper()
	status, _ := call(t, srv, "PUT", "/api/v9/applications/"+discordtest.DefaultAppID+"/guilds/"+discordtest.DefaultGuildID+"/commands", []any{
		map[string]any{"name": "ask", "description": "Ask the corpus", "options": []any{
			map[string]any{"type": 3, "name": "question", "description": "Your question", "required": true, "autocomplete": true},
			map[string]any{"type": 5, "name": "hide", "description": "Only you see the answer"},
		}},
	})
	if status != 200 {
		t.Fatalf("register commands: %d", status)
	}
}

// dispatchedAsk connects a raw gateway client to srv, registers /ask, has
// srv dispatch one /ask and returns the interaction the client received.
func dispatchedAsk(t *testing.T, srv *discordtest.Server) interaction {
	t.Helper()
	g := dialRaw(t, srv)
	g.identify(false)
	registerAsk(t, srv)
	if _, err := srv.Interact(ctxT(t, 2*time.Second), discordtest.Command("ask", discordtest.String("question", "q"))); err != nil {
		t.Fatal(err)
	}
	return decode[interaction](t, g.nextDispatch("INTERACTION_CREATE").D)
}

// interaction is the part of an INTERACTION_CREATE payload the tests look at.
type interaction struct {
	ID    string `json:"id"`
	Token string `json:"token"`
}

func decode[T any](t *testing.T, b []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return v
}

// errCode digs a Discord error's code out of a decoded answer.
func errCode(body map[string]any) int {
	c, _ := body["code"].(float64)
	return int(c)
}

// errorAt returns the _errors codes at a dotted path of a 50035 answer.
func errorAt(body map[string]any, path string) []string {
	node, _ := body["errors"].(map[string]any)
	for _, k := range strings.Split(path, ".") {
		node, _ = node[k].(map[string]any)
	}
	var codes []string
	list, _ := node["_errors"].([]any)
	for _, e := range list {
		m, _ := e.(map[string]any)
		codes = append(codes, m["code"].(string))
	}
	return codes
}
