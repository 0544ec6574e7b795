package discordtest_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/verbatimbot/verbatim/internal/discordtest"
)

func TestAuthorizationRequired(t *testing.T) {
	srv := discordtest.New(t, discordtest.Options{})
	for _, tc := range []struct {
		auth string
		want int
	}{
		{"", 401},
		{"Bot wrong", 401},
		{discordtest.DefaultToken, 401}, // the "Bot " prefix is required
		{"Bot " + discordtest.DefaultToken, 200},
	} {
		status, body := callAuth(t, srv, tc.auth, "GET", "/api/v9/gateway", nil)
		if status != tc.want {
			t.Errorf("auth %q: status %d, want %d", tc.auth, status, tc.want)
		}
		if status == 200 && body["url"] != srv.GatewayURL() {
			t.Errorf("gateway url %v, want %s", body["url"], srv.GatewayURL())
		}
	}
	reqs := srv.Requests()
	if len(reqs) != 4 || reqs[0].Authorized || reqs[0].Status != 401 || !reqs[3].Authorized || reqs[3].Path != "/api/v9/gateway" {
		t.Errorf("requests recorded wrong: %+v", reqs)
	}
}

func TestCommandRegistration(t *testing.T) {
	srv := discordtest.New(t, discordtest.Options{})
	base := "/api/v9/applications/" + discordtest.DefaultAppID
	tests := []struct {
		name string
		cmd  map[string]any
		path string // where the error is expected
		code string
	}{
		{"upper case name", map[string]any{"name": "Ask", "description": "d"}, "0.name", "APPLICATION_COMMAND_INVALID_NAME"},
		{"space in name", map[string]any{"name": "ask me", "description": "d"}, "0.name", "APPLICATION_COMMAND_INVALID_NAME"},
		{"no description", map[string]any{"name": "ask"}, "0.description", "BASE_TYPE_REQUIRED"},
		{"required after optional", map[string]any{"name": "ask", "description": "d", "options": []any{
			map[string]any{"type": 5, "name": "hide", "description": "d"},
			map[string]any{"type": 3, "name": "question", "description": "d", "required": true},
		}}, "0.options.1.required", "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID"},
		{"autocomplete with choices", map[string]any{"name": "ask", "description": "d", "options": []any{
			map[string]any{"type": 3, "name": "q", "description": "d", "autocomplete": true,
				"choices": []any{map[string]any{"name": "a", "value": "a"}}},
		}}, "0.options.0.autocomplete", "APPLICATION_COMMAND_AUTOCOMPLETE_INVALID"},
		{"numeric permissions", map[string]any{"name": "ask", "description": "d", "default_member_permissions": 32},
			"0.default_member_permissions", "BASE_TYPE_BAD_INT"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := call(t, srv, "PUT", base+"/commands", []any{tc.cmd})
			if status != 400 || errCode(body) != 50035 {
				t.Fatalf("status %d body %v, want 400 50035", status, body)
			}
			if got := errorAt(body, tc.path); !slices.Contains(got, tc.code) {
				t.Errorf("errors at %s = %v, want %s (body %v)", tc.path, got, tc.code, body)
			}
		})
	}
	if got := srv.Commands(""); len(got) != 0 {
		t.Fatalf("rejected commands stored: %s", got)
	}

	registerAsk(t, srv)
	cmds, err := srv.WaitCommands(ctxT(t, time.Second), discordtest.DefaultGuildID)
	if err != nil || len(cmds) != 1 {
		t.Fatalf("WaitCommands: %v %s", err, cmds)
	}
	first := decode[map[string]any](t, cmds[0])
	if first["name"] != "ask" || first["type"] != 1.0 || first["application_id"] != discordtest.DefaultAppID ||
		first["guild_id"] != discordtest.DefaultGuildID || first["id"] == "" {
		t.Errorf("stored command %v", first)
	}
	registerAsk(t, srv) // an overwrite keeps the id of a command of the same name
	again := decode[map[string]any](t, srv.Commands(discordtest.DefaultGuildID)[0])
	if again["id"] != first["id"] {
		t.Errorf("id changed on overwrite: %v -> %v", first["id"], again["id"])
	}
	status, _ := call(t, srv, "PUT", "/api/v9/applications/1/commands", []any{})
	if status != 403 {
		t.Errorf("foreign application id: %d, want 403", status)
	}
}

func TestInteractionPayloadShape(t *testing.T) {
	srv := discordtest.New(t, discordtest.Options{})
	g := dialRaw(t, srv)
	g.identify(false)
	registerAsk(t, srv)
	ctx := ctxT(t, 3*time.Second)
	if _, err := srv.Interact(ctx, discordtest.Command("nope")); !errors.Is(err, discordtest.ErrUnknownCommand) {
		t.Fatalf("unregistered command: %v", err)
	}

	mod := discordtest.Member{ID: "42", Username: "mod", Permissions: discordtest.PermManageGuild | discordtest.DefaultPermissions,
		Roles: []string{discordtest.DefaultModeratorRoleID}}
	id, err := srv.Interact(ctx, discordtest.Command("ask", discordtest.String("question", "why?"), discordtest.Bool("hide", true)).By(mod))
	if err != nil {
		t.Fatal(err)
	}
	f := g.nextDispatch("INTERACTION_CREATE")
	type payload struct {
		ID            string `json:"id"`
		ApplicationID string `json:"application_id"`
		Type          int    `json:"type"`
		Token         string `json:"token"`
		Version       int    `json:"version"`
		GuildID       string `json:"guild_id"`
		ChannelID     string `json:"channel_id"`
		Member        struct {
			User        struct{ ID, Username string }
			Permissions string   `json:"permissions"`
			Roles       []string `json:"roles"`
		} `json:"member"`
		Data struct {
			ID      string `json:"id"`
			Name    string `json:"name"`
			Type    int    `json:"type"`
			GuildID string `json:"guild_id"`
			Options []struct {
				Name  string `json:"name"`
				Type  int    `json:"type"`
				Value any    `json:"value"`
			} `json:"options"`
		} `json:"data"`
	}
	p := decode[payload](t, f.D)
	cmd := decode[map[string]any](t, srv.Commands(discordtest.DefaultGuildID)[0])
	if p.ID != id || p.ApplicationID != discordtest.DefaultAppID || p.Type != 2 || p.Token == "" || p.Version != 1 ||
		p.GuildID != discordtest.DefaultGuildID || p.ChannelID != discordtest.DefaultChannelID {
		t.Errorf("envelope: %s", f.D)
	}
	if p.Member.User.ID != "42" || p.Member.Permissions != "2147601440" || !slices.Equal(p.Member.Roles, []string{discordtest.DefaultModeratorRoleID}) {
		t.Errorf("member: %+v", p.Member)
	}
	if p.Data.ID != cmd["id"] || p.Data.Name != "ask" || p.Data.Type != 1 || p.Data.GuildID != discordtest.DefaultGuildID ||
		len(p.Data.Options) != 2 || p.Data.Options[0].Value != "why?" || p.Data.Options[1].Value != true || p.Data.Options[1].Type != 5 {
		t.Errorf("data: %s", f.D)
	}
	if f.S == nil || *f.S < 2 {
		t.Errorf("sequence %v, want after READY and GUILD_CREATE", f.S)
	}

	// Autocomplete: the focused option says so.
	if _, err := srv.Interact(ctx, discordtest.Autocomplete("ask", discordtest.Focused(discordtest.String("question", "wh")))); err != nil {
		t.Fatal(err)
	}
	ac := g.nextDispatch("INTERACTION_CREATE")
	if !strings.Contains(string(ac.D), `"focused":true`) || !strings.Contains(string(ac.D), `"type":4,`) {
		t.Errorf("autocomplete payload: %s", ac.D)
	}

	// Attachments: resolved, and downloadable without a token.
	att := srv.AddAttachment("notes.txt", []byte("Q: hi\nA: hello\n"))
	if err := registerCorpus(t, srv); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Interact(ctx, discordtest.Command("corpus", discordtest.Subcommand("add", discordtest.AttachmentOption("file", att)))); err != nil {
		t.Fatal(err)
	}
	up := g.nextDispatch("INTERACTION_CREATE")
	if !strings.Contains(string(up.D), `"attachments":{"`+att.ID+`"`) {
		t.Errorf("no resolved attachment: %s", up.D)
	}
	resp, err := noKeepAlive.Get(att.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "Q: hi\nA: hello\n" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Errorf("attachment download: %d %q %s", resp.StatusCode, body, resp.Header.Get("Content-Type"))
	}
}

func registerCorpus(t *testing.T, srv *discordtest.Server) error {
	status, body := call(t, srv, "POST", "/api/v9/applications/"+discordtest.DefaultAppID+"/commands", map[string]any{
		"name": "corpus", "description": "Manage documents", "default_member_permissions": "32",
		"options": []any{map[string]any{"type": 1, "name": "add", "description": "Add a document", "options": []any{
			map[string]any{"type": 11, "name": "file", "description": "The file", "required": true}}}},
	})
	if status != 201 {
		return errors.New("register corpus: " + http.StatusText(status) + " " + string(mustJSON(body)))
	}
	return nil
}

func mustJSON(v any) []byte { b, _ := json.Marshal(v); return b }

func TestCallbackRules(t *testing.T) {
	srv := discordtest.New(t, discordtest.Options{})
	ctx := ctxT(t, 3*time.Second)
	in := dispatchedAsk(t, srv)
	id := in.ID
	cb := "/api/v9/interactions/" + in.ID + "/" + in.Token + "/callback"
	msg := func(data map[string]any) map[string]any { return map[string]any{"type": 4, "data": data} }
	embeds := func(n, descLen int) []any {
		var out []any
		for i := 0; i < n; i++ {
			out = append(out, map[string]any{"description": strings.Repeat("x", descLen)})
		}
		return out
	}
	button := func(id string) map[string]any {
		return map[string]any{"type": 2, "style": 1, "label": "More", "custom_id": id}
	}
	rejected := []struct {
		name   string
		body   any
		status int
		code   int
		path   string
		err    string
	}{
		{"content too long", msg(map[string]any{"content": strings.Repeat("é", 2001)}), 400, 50035, "data.content", "BASE_TYPE_MAX_LENGTH"},
		{"too many embeds", msg(map[string]any{"embeds": embeds(11, 1)}), 400, 50035, "data.embeds", "BASE_TYPE_MAX_LENGTH"},
		{"embeds too large", msg(map[string]any{"embeds": embeds(2, 3001)}), 400, 50035, "data.embeds", "MAX_EMBED_SIZE_EXCEEDED"},
		{"embed field without value", msg(map[string]any{"embeds": []any{map[string]any{"fields": []any{map[string]any{"name": "n", "value": ""}}}}}),
			400, 50035, "data.embeds.0.fields.0.value", "BASE_TYPE_REQUIRED"},
		{"duplicate custom ids", msg(map[string]any{"content": "x", "components": []any{map[string]any{"type": 1, "components": []any{button("a"), button("a")}}}}),
			400, 50035, "data.components.0.components.1.custom_id", "COMPONENT_CUSTOM_ID_DUPLICATED"},
		{"empty message", msg(map[string]any{"content": "", "embeds": nil, "components": nil}), 400, 50006, "", ""},
		{"autocomplete result to a command", map[string]any{"type": 8, "data": map[string]any{"choices": []any{}}}, 400, 50035, "type", "INTERACTION_RESPONSE_TYPE_INVALID"},
	}
	for _, tc := range rejected {
		t.Run(tc.name, func(t *testing.T) {
			status, body := call(t, srv, "POST", cb, tc.body)
			if status != tc.status || errCode(body) != tc.code {
				t.Fatalf("status %d body %v, want %d %d", status, body, tc.status, tc.code)
			}
			if tc.path != "" && !slices.Contains(errorAt(body, tc.path), tc.err) {
				t.Errorf("errors at %s = %v, want %s (body %v)", tc.path, errorAt(body, tc.path), tc.err, body)
			}
		})
	}

	// Edits and follow-ups need the callback first.
	wh := "/api/v9/webhooks/" + discordtest.DefaultAppID + "/" + in.Token
	if status, body := call(t, srv, "PATCH", wh+"/messages/@original", map[string]any{"content": "early"}); status != 404 || errCode(body) != 10015 {
		t.Errorf("edit before callback: %d %v", status, body)
	}

	// A rejected callback does not use up the interaction.
	if status, body := call(t, srv, "POST", cb, map[string]any{"type": 5, "data": map[string]any{"flags": 64}}); status != 204 {
		t.Fatalf("deferred callback: %d %v", status, body)
	}
	if status, body := call(t, srv, "POST", cb, msg(map[string]any{"content": "again"})); status != 400 || errCode(body) != 40060 {
		t.Errorf("second callback: %d %v, want 400 40060", status, body)
	}
	if status, body := call(t, srv, "POST", "/api/v9/interactions/123/nope/callback", msg(map[string]any{"content": "x"})); status != 404 || errCode(body) != 10062 {
		t.Errorf("unknown interaction: %d %v, want 404 10062", status, body)
	}
	r, err := srv.WaitResponse(ctx, id)
	if err != nil || r.Type != 5 || r.Latency <= 0 || r.Latency > 3*time.Second {
		t.Fatalf("WaitResponse: %+v %v", r, err)
	}

	if status, body := call(t, srv, "PATCH", wh+"/messages/@original", map[string]any{"content": strings.Repeat("x", 2001)}); status != 400 || errCode(body) != 50035 {
		t.Errorf("long edit: %d %v", status, body)
	}
	status, edited := call(t, srv, "PATCH", wh+"/messages/@original", map[string]any{"content": "the answer"})
	if status != 200 || edited["content"] != "the answer" || edited["flags"] != 64.0 || edited["webhook_id"] != discordtest.DefaultAppID {
		t.Errorf("edit: %d %v", status, edited)
	}
	if e, err := srv.WaitEdit(ctx, id); err != nil || !strings.Contains(string(e), "the answer") {
		t.Errorf("WaitEdit: %s %v", e, err)
	}
	if orig, ok := srv.Original(id); !ok || !strings.Contains(string(orig), `"content":"the answer"`) {
		t.Errorf("Original: %s", orig)
	}
	if status, body := call(t, srv, "POST", wh, map[string]any{"content": ""}); status != 400 || errCode(body) != 50006 {
		t.Errorf("empty follow-up: %d %v", status, body)
	}
	status, fu := call(t, srv, "POST", wh+"?wait=true", map[string]any{"content": "more", "flags": 64})
	if status != 200 || fu["content"] != "more" || fu["id"] == "" {
		t.Errorf("follow-up: %d %v", status, fu)
	}
	if fus, err := srv.WaitFollowups(ctx, id, 1); err != nil || len(fus) != 1 || len(srv.Followups(id)) != 1 {
		t.Errorf("follow-ups: %s %v", fus, err)
	}
	if status, body := call(t, srv, "POST", "/api/v9/webhooks/"+discordtest.DefaultAppID+"/badtoken", map[string]any{"content": "x"}); status != 401 || errCode(body) != 50027 {
		t.Errorf("bad webhook token: %d %v", status, body)
	}
	if _, err := srv.WaitResponse(ctx, "999"); !errors.Is(err, discordtest.ErrUnknownInteraction) {
		t.Errorf("WaitResponse unknown id: %v", err)
	}
}

func TestAckDeadline(t *testing.T) {
	srv := discordtest.New(t, discordtest.Options{AckDeadline: 50 * time.Millisecond})
	in := dispatchedAsk(t, srv)
	time.Sleep(80 * time.Millisecond)
	status, body := call(t, srv, "POST", "/api/v9/interactions/"+in.ID+"/"+in.Token+"/callback",
		map[string]any{"type": 4, "data": map[string]any{"content": "late"}})
	if status != 404 || errCode(body) != 10062 {
		t.Errorf("late callback: %d %v, want 404 10062", status, body)
	}
}

func TestRateLimitedCallback(t *testing.T) {
	srv := discordtest.New(t, discordtest.Options{})
	in := dispatchedAsk(t, srv)
	srv.Fail429Next(1, 250*time.Millisecond)
	req, _ := http.NewRequest("POST", srv.URL()+"/api/v9/interactions/"+in.ID+"/"+in.Token+"/callback",
		strings.NewReader(`{"type":4,"data":{"content":"hi"}}`))
	req.Header.Set("Authorization", "Bot "+discordtest.DefaultToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := noKeepAlive.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	h := resp.Header
	if resp.StatusCode != 429 || h.Get("Retry-After") != "1" || h.Get("X-RateLimit-Remaining") != "0" ||
		h.Get("X-RateLimit-Reset-After") != "0.250" || h.Get("X-RateLimit-Bucket") == "" {
		t.Errorf("429 answer: %d %v", resp.StatusCode, h)
	}
	if rl := decode[map[string]any](t, b); rl["retry_after"] != 0.25 || rl["global"] != false {
		t.Errorf("429 body: %s", b)
	}
	if status, _ := call(t, srv, "POST", "/api/v9/interactions/"+in.ID+"/"+in.Token+"/callback",
		map[string]any{"type": 4, "data": map[string]any{"content": "hi"}}); status != 204 {
		t.Errorf("retry: %d", status)
	}
}

func TestGatewayProtocol(t *testing.T) {
	t.Run("compression", func(t *testing.T) {
		srv := discordtest.New(t, discordtest.Options{})
		if f := dialRaw(t, srv).identify(true); !f.Binary {
			t.Error("compress:true, READY not a zlib binary frame")
		}
		if f := dialRaw(t, srv).identify(false); f.Binary {
			t.Error("compress:false, READY compressed")
		}
	})
	t.Run("bad token", func(t *testing.T) {
		srv := discordtest.New(t, discordtest.Options{})
		g := dialRaw(t, srv)
		g.send(2, map[string]any{"token": "Bot nope", "intents": 1})
		_, err := g.read()
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != 4004 {
			t.Errorf("got %v, want close 4004", err)
		}
	})
	t.Run("heartbeat ack", func(t *testing.T) {
		srv := discordtest.New(t, discordtest.Options{})
		g := dialRaw(t, srv)
		g.send(1, nil)
		if f := g.next(); f.Op != 11 {
			t.Errorf("op %d, want 11", f.Op)
		}
	})
	t.Run("resume replays missed events", func(t *testing.T) {
		srv := discordtest.New(t, discordtest.Options{})
		g := dialRaw(t, srv)
		ready := decode[struct {
			SessionID        string `json:"session_id"`
			ResumeGatewayURL string `json:"resume_gateway_url"`
		}](t, g.identify(false).D)
		if ready.SessionID == "" || ready.ResumeGatewayURL != srv.GatewayURL() {
			t.Fatalf("READY %+v", ready)
		}
		gc := g.nextDispatch("GUILD_CREATE")
		registerAsk(t, srv)
		id, err := srv.Interact(ctxT(t, 2*time.Second), discordtest.Command("ask"))
		if err != nil {
			t.Fatal(err)
		}
		srv.DropConnection()
		closed := false
		for i := 0; i < 10 && !closed; i++ { // INTERACTION_CREATE may still be buffered
			_, err := g.read()
			closed = err != nil
		}
		if !closed {
			t.Fatal("connection still open after DropConnection")
		}

		g2 := dialRaw(t, srv)
		g2.send(6, map[string]any{"token": "Bot " + discordtest.DefaultToken, "session_id": ready.SessionID, "seq": *gc.S})
		replayed := g2.next()
		if replayed.T != "INTERACTION_CREATE" || decode[interaction](t, replayed.D).ID != id {
			t.Errorf("replay: %s %s", replayed.T, replayed.D)
		}
		if f := g2.next(); f.T != "RESUMED" || *f.S != *replayed.S+1 {
			t.Errorf("after replay: %s seq %v", f.T, f.S)
		}
		if err := srv.WaitReady(ctxT(t, time.Second)); err != nil || srv.Resumes() != 1 {
			t.Errorf("WaitReady %v resumes %d", err, srv.Resumes())
		}

		// A RESUME of an unknown session is refused with op 9, after which IDENTIFY works.
		g3 := dialRaw(t, srv)
		g3.send(6, map[string]any{"token": "Bot " + discordtest.DefaultToken, "session_id": "nope", "seq": 1})
		if f := g3.next(); f.Op != 9 || string(f.D) != "false" {
			t.Errorf("bad resume: op %d d %s", f.Op, f.D)
		}
		g3.identify(false)
		if srv.Identifies() != 2 {
			t.Errorf("identifies %d", srv.Identifies())
		}
	})
}

// TestNoGoroutineLeak runs a busy server and checks its goroutines are gone after Close.
func TestNoGoroutineLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Run("busy", func(t *testing.T) {
		srv := discordtest.New(t, discordtest.Options{HeartbeatInterval: 20 * time.Millisecond})
		g := dialRaw(t, srv)
		g.identify(true)
		registerAsk(t, srv)
		for i := 0; i < 3; i++ {
			if _, err := srv.Interact(ctxT(t, time.Second), discordtest.Command("ask")); err != nil {
				t.Fatal(err)
			}
		}
		dialRaw(t, srv) // a second, idle connection
		ctx := ctxT(t, 50*time.Millisecond)
		if _, err := srv.WaitResponse(ctx, "1"); !errors.Is(err, discordtest.ErrUnknownInteraction) {
			t.Fatal(err)
		}
		srv.Close()
		if err := srv.WaitReady(ctxT(t, time.Second)); !errors.Is(err, discordtest.ErrClosed) {
			t.Errorf("WaitReady after Close: %v", err)
		}
	})
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines before, %d after:\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}

// A prepared interaction is sent once, and its deadline runs from its dispatch, not from when
// it was prepared.
func TestPreparedInteraction(t *testing.T) {
	srv := discordtest.New(t, discordtest.Options{AckDeadline: 500 * time.Millisecond})
	g := dialRaw(t, srv)
	g.identify(false)
	registerAsk(t, srv)
	ctx := ctxT(t, 3*time.Second)
	if _, err := srv.PrepareInteraction(discordtest.Command("nope")); !errors.Is(err, discordtest.ErrUnknownCommand) {
		t.Fatalf("unregistered command: %v", err)
	}
	p, err := srv.PrepareInteraction(discordtest.Command("ask", discordtest.String("question", "why?")))
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(600 * time.Millisecond) // longer than the deadline, before the dispatch
	id, err := srv.Dispatch(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	var in struct{ ID, Token string }
	if err := json.Unmarshal(g.nextDispatch("INTERACTION_CREATE").D, &in); err != nil || in.ID != id {
		t.Fatalf("dispatched %+v (%v), want id %s", in, err, id)
	}
	status, body := call(t, srv, "POST", "/api/v9/interactions/"+in.ID+"/"+in.Token+"/callback",
		map[string]any{"type": 4, "data": map[string]any{"content": "in time"}})
	if status != 204 {
		t.Errorf("callback: %d %v, want 204", status, body)
	}
	if _, err := srv.Dispatch(ctx, p); err == nil {
		t.Error("a prepared interaction was dispatched twice")
	}
}
