package discordtest

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"
)

const maxRequestBody = 32 << 20

// apiError is an error answer in Discord's shape.
type apiError struct {
	status  int
	code    int
	message string
	errs    formErrors // for 50035 Invalid Form Body
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %d %s", e.status, e.code, e.message) }

var (
	errUnauthorized        = &apiError{status: 401, code: 0, message: "401: Unauthorized"}
	errNotFound            = &apiError{status: 404, code: 0, message: "404: Not Found"}
	errMethodNotAllowed    = &apiError{status: 405, code: 0, message: "405: Method Not Allowed"}
	errMissingAccess       = &apiError{status: 403, code: 50001, message: "Missing Access"}
	errUnknownInteraction  = &apiError{status: 404, code: 10062, message: "Unknown interaction"}
	errAlreadyAcknowledged = &apiError{status: 400, code: 40060, message: "Interaction has already been acknowledged."}
	errUnknownWebhook      = &apiError{status: 404, code: 10015, message: "Unknown Webhook"}
	errInvalidWebhookToken = &apiError{status: 401, code: 50027, message: "Invalid Webhook Token"}
	errUnknownMessage      = &apiError{status: 404, code: 10008, message: "Unknown Message"}
	errUnknownCommand      = &apiError{status: 404, code: 10063, message: "Unknown application command"}
	errEmptyMessage        = &apiError{status: 400, code: 50006, message: "Cannot send an empty message"}
	errBadJSON             = &apiError{status: 400, code: 50109, message: "The request body contains invalid JSON."}
)

// statusWriter remembers the status written, for the request record.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, e *apiError) {
	body := map[string]any{"message": e.message, "code": e.code}
	if len(e.errs) > 0 {
		body["errors"] = e.errs.tree()
	}
	writeJSON(w, e.status, body)
}

// request is a REST request with its body read.
type request struct {
	*http.Request
	body  []byte
	parts []string // path after /api/vN, split on "/"
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	sw := &statusWriter{ResponseWriter: w}
	body, err := io.ReadAll(http.MaxBytesReader(sw, r.Body, maxRequestBody))
	if err != nil {
		writeError(sw, &apiError{status: 413, code: 40005, message: "Request entity too large"})
	}
	authorized := r.Header.Get("Authorization") == "Bot "+s.opts.Token
	if err == nil {
		if !authorized {
			s.logf("%s %s without a valid bot Authorization header: 401", r.Method, r.URL.Path)
			writeError(sw, errUnauthorized)
		} else if e := s.route(sw, r, body); e != nil {
			writeError(sw, e)
		}
	}
	rec := RecordedRequest{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery,
		Authorized: authorized, Status: sw.status, Time: time.Now()}
	if sw.status == 0 {
		rec.Status = http.StatusOK
	}
	if len(body) > maxRecordedBody {
		body = body[:maxRecordedBody]
	}
	rec.Body = body
	s.mu.Lock()
	s.requests = append(s.requests, rec)
	s.mu.Unlock()
}

// route dispatches an authorised /api request. A returned error is written by the caller.
func (s *Server) route(w http.ResponseWriter, r *http.Request, body []byte) *apiError {
	rest, ok := strings.CutPrefix(r.URL.Path, "/api/v9/")
	if !ok {
		rest, ok = strings.CutPrefix(r.URL.Path, "/api/v10/")
	}
	if !ok {
		return errNotFound
	}
	p := strings.Split(strings.TrimSuffix(rest, "/"), "/")
	for i := range p {
		if u, err := url.PathUnescape(p[i]); err == nil {
			p[i] = u
		}
	}
	req := &request{Request: r, body: body, parts: p}
	n := len(p)
	switch {
	case n == 1 && p[0] == "gateway":
		return only(r, "GET", func() *apiError {
			writeJSON(w, 200, map[string]any{"url": s.GatewayURL()})
			return nil
		})
	case n == 2 && p[0] == "gateway" && p[1] == "bot":
		return only(r, "GET", func() *apiError {
			writeJSON(w, 200, map[string]any{"url": s.GatewayURL(), "shards": 1, "session_start_limit": map[string]any{
				"total": 1000, "remaining": 999, "reset_after": 86400000, "max_concurrency": 1}})
			return nil
		})
	case n == 2 && p[0] == "users" && p[1] == "@me":
		return only(r, "GET", func() *apiError { writeJSON(w, 200, s.botUser()); return nil })
	case (n == 2 && p[0] == "applications" && p[1] == "@me") ||
		(n == 3 && p[0] == "oauth2" && p[1] == "applications" && p[2] == "@me"):
		return only(r, "GET", func() *apiError {
			writeJSON(w, 200, map[string]any{"id": s.opts.AppID, "name": s.opts.BotUsername, "icon": nil,
				"description": "", "bot_public": false, "bot_require_code_grant": false, "flags": 0,
				"bot": s.botUser(), "verify_key": strings.Repeat("0", 64)})
			return nil
		})
	case n >= 3 && n <= 4 && p[0] == "applications" && p[2] == "commands":
		return s.serveCommands(w, req, p[1], "", p[3:])
	case n >= 5 && n <= 6 && p[0] == "applications" && p[2] == "guilds" && p[4] == "commands":
		return s.serveCommands(w, req, p[1], p[3], p[5:])
	case n == 4 && p[0] == "interactions" && p[3] == "callback":
		return only(r, "POST", func() *apiError { return s.serveCallback(w, req, p[1], p[2]) })
	case n == 3 && p[0] == "webhooks":
		return only(r, "POST", func() *apiError { return s.serveFollowup(w, req, p[1], p[2]) })
	case n == 5 && p[0] == "webhooks" && p[3] == "messages":
		return s.serveWebhookMessage(w, req, p[1], p[2], p[4])
	case n == 2 && p[0] == "guilds":
		return only(r, "GET", func() *apiError {
			if p[1] != s.opts.GuildID {
				return errMissingAccess
			}
			g := s.guildCreate()
			for _, k := range []string{"members", "channels", "threads", "presences", "voice_states", "joined_at", "large", "member_count", "unavailable"} {
				delete(g, k)
			}
			writeJSON(w, 200, g)
			return nil
		})
	case n == 3 && p[0] == "guilds" && (p[2] == "roles" || p[2] == "channels"):
		return only(r, "GET", func() *apiError {
			if p[1] != s.opts.GuildID {
				return errMissingAccess
			}
			writeJSON(w, 200, s.guildCreate()[p[2]])
			return nil
		})
	}
	s.logf("%s %s: route not implemented by discordtest, answered 404", r.Method, r.URL.Path)
	return errNotFound
}

func only(r *http.Request, method string, f func() *apiError) *apiError {
	if r.Method != method {
		return errMethodNotAllowed
	}
	return f()
}

// guildCreate renders the guild as sent in GUILD_CREATE.
func (s *Server) guildCreate() map[string]any {
	roles := []any{roleJSON(Role{ID: s.opts.GuildID, Name: "@everyone", Permissions: DefaultPermissions}, 0)}
	for i, r := range s.opts.Roles {
		roles = append(roles, roleJSON(r, i+1))
	}
	botMember := memberJSON(Member{ID: s.opts.BotUserID, Username: s.opts.BotUsername})
	botMember["user"] = s.botUser()
	delete(botMember, "permissions")
	return map[string]any{
		"id": s.opts.GuildID, "name": "Study Group", "icon": nil, "splash": nil, "discovery_splash": nil,
		"banner": nil, "description": nil, "owner_id": DefaultMember.ID, "afk_channel_id": nil, "afk_timeout": 300,
		"verification_level": 0, "default_message_notifications": 0, "explicit_content_filter": 0,
		"mfa_level": 0, "nsfw_level": 0, "premium_tier": 0, "premium_subscription_count": 0,
		"system_channel_id": nil, "system_channel_flags": 0, "rules_channel_id": nil,
		"public_updates_channel_id": nil, "application_id": nil, "vanity_url_code": nil,
		"preferred_locale": "en-US", "features": []any{}, "emojis": []any{}, "stickers": []any{},
		"roles": roles,
		"channels": []any{map[string]any{"id": s.opts.ChannelID, "type": 0, "guild_id": s.opts.GuildID,
			"name": "general", "position": 0, "flags": 0, "nsfw": false, "parent_id": nil, "topic": nil,
			"last_message_id": nil, "rate_limit_per_user": 0, "permission_overwrites": []any{}}},
		"members": []any{botMember}, "member_count": 2, "joined_at": "2024-01-01T00:00:00.000000+00:00",
		"large": false, "unavailable": false, "lazy": true, "threads": []any{}, "presences": []any{},
		"voice_states": []any{}, "stage_instances": []any{}, "guild_scheduled_events": []any{},
		"max_members": 500000, "max_video_channel_users": 25,
	}
}

func roleJSON(r Role, pos int) map[string]any {
	return map[string]any{"id": r.ID, "name": r.Name, "color": 0, "hoist": false, "icon": nil,
		"unicode_emoji": nil, "position": pos, "permissions": strconv.FormatUint(r.Permissions, 10),
		"managed": false, "mentionable": false, "flags": 0}
}

// ---- application commands ----

func (s *Server) serveCommands(w http.ResponseWriter, r *request, appID, guildID string, rest []string) *apiError {
	if appID != s.opts.AppID {
		return errMissingAccess
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cmds := s.commands[guildID]
	if len(rest) == 0 {
		switch r.Method {
		case "GET":
			writeJSON(w, 200, orEmpty(cmds))
			return nil
		case "PUT":
			var in []json.RawMessage
			if err := json.Unmarshal(r.body, &in); err != nil {
				return errBadJSON
			}
			if len(in) > 100 {
				return formError("", "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.")
			}
			var fe formErrors
			out := make([]map[string]any, 0, len(in))
			seen := map[string]bool{}
			for i, raw := range in {
				c, errs := s.storeCommand(raw, guildID, cmds)
				fe.merge(strconv.Itoa(i), errs)
				if c != nil {
					key := fmt.Sprint(c["type"], c["name"])
					if seen[key] {
						fe.add(strconv.Itoa(i)+".name", "APPLICATION_COMMANDS_DUPLICATE_NAME", "Application command names must be unique")
					}
					seen[key] = true
					out = append(out, c)
				}
			}
			if len(fe) > 0 {
				return &apiError{status: 400, code: 50035, message: "Invalid Form Body", errs: fe}
			}
			s.commands[guildID] = out
			s.commandsSet[guildID] = true
			s.notifyLocked()
			writeJSON(w, 200, out)
			return nil
		case "POST":
			c, errs := s.storeCommand(r.body, guildID, cmds)
			if len(errs) > 0 {
				return &apiError{status: 400, code: 50035, message: "Invalid Form Body", errs: errs}
			}
			status := 201
			out := append([]map[string]any(nil), cmds...)
			replaced := false
			for i, old := range out {
				if old["id"] == c["id"] {
					out[i], replaced, status = c, true, 200
				}
			}
			if !replaced {
				out = append(out, c)
			}
			s.commands[guildID] = out
			s.commandsSet[guildID] = true
			s.notifyLocked()
			writeJSON(w, status, c)
			return nil
		}
		return errMethodNotAllowed
	}
	id := rest[0]
	idx := -1
	for i, c := range cmds {
		if c["id"] == id {
			idx = i
		}
	}
	if idx < 0 {
		return errUnknownCommand
	}
	switch r.Method {
	case "GET":
		writeJSON(w, 200, cmds[idx])
		return nil
	case "DELETE":
		out := append(append([]map[string]any(nil), cmds[:idx]...), cmds[idx+1:]...)
		s.commands[guildID] = out
		s.commandsSet[guildID] = true
		s.notifyLocked()
		w.WriteHeader(204)
		return nil
	case "PATCH":
		var patch map[string]json.RawMessage
		if err := json.Unmarshal(r.body, &patch); err != nil {
			return errBadJSON
		}
		merged := map[string]any{}
		for k, v := range cmds[idx] {
			merged[k] = v
		}
		for k, v := range patch {
			merged[k] = v
		}
		raw, _ := json.Marshal(merged)
		c, errs := s.storeCommand(raw, guildID, cmds)
		if len(errs) > 0 {
			return &apiError{status: 400, code: 50035, message: "Invalid Form Body", errs: errs}
		}
		out := append([]map[string]any(nil), cmds...)
		out[idx] = c
		s.commands[guildID] = out
		s.commandsSet[guildID] = true
		s.notifyLocked()
		writeJSON(w, 200, c)
		return nil
	}
	return errMethodNotAllowed
}

func orEmpty(cmds []map[string]any) []map[string]any {
	if cmds == nil {
		return []map[string]any{}
	}
	return cmds
}

// storeCommand validates a command and returns it as Discord stores it, keeping the id of an
// existing command of the same name and type. s.mu must be held.
func (s *Server) storeCommand(raw json.RawMessage, guildID string, existing []map[string]any) (map[string]any, formErrors) {
	var c map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&c); err != nil || c == nil {
		return nil, formErrors{{path: "", code: "MODEL_TYPE_CONVERT", msg: "Only dictionaries may be used in a ModelType"}}
	}
	errs := validateCommand(raw)
	if len(errs) > 0 {
		return nil, errs
	}
	typ := 1
	if t, ok := c["type"].(json.Number); ok {
		v, _ := t.Int64()
		typ = int(v)
	}
	c["type"] = typ
	c["application_id"] = s.opts.AppID
	c["version"] = s.snowflake()
	if guildID != "" {
		c["guild_id"] = guildID
	} else {
		delete(c, "guild_id")
	}
	if _, ok := c["default_member_permissions"]; !ok {
		c["default_member_permissions"] = nil
	}
	if _, ok := c["nsfw"]; !ok {
		c["nsfw"] = false
	}
	if _, ok := c["description"]; !ok {
		c["description"] = ""
	}
	c["id"] = s.snowflake()
	for _, old := range existing {
		if old["name"] == c["name"] && old["type"] == typ {
			c["id"] = old["id"]
		}
	}
	return c, nil
}

// ---- interactions ----

// parseBody reads a JSON body or a multipart one (payload_json plus files[n]).
func parseBody(r *request) (json.RawMessage, []File, *apiError) {
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		if !json.Valid(r.body) {
			return nil, nil, errBadJSON
		}
		return r.body, nil, nil
	}
	mr := multipart.NewReader(bytes.NewReader(r.body), params["boundary"])
	var payload json.RawMessage
	var files []File
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, errBadJSON
		}
		b, err := io.ReadAll(part)
		if err != nil {
			return nil, nil, errBadJSON
		}
		if part.FormName() == "payload_json" {
			payload = b
		} else if part.FileName() != "" {
			files = append(files, File{Name: part.FileName(), ContentType: part.Header.Get("Content-Type"), Body: b})
		}
	}
	if payload == nil {
		payload = json.RawMessage("{}")
	}
	if !json.Valid(payload) {
		return nil, nil, errBadJSON
	}
	return payload, files, nil
}

func (s *Server) serveCallback(w http.ResponseWriter, r *request, id, token string) *apiError {
	s.mu.Lock()
	if s.fail429 > 0 {
		s.fail429--
		ra := s.retryAfter
		s.mu.Unlock()
		writeRateLimited(w, ra)
		return nil
	}
	st := s.interactions[id]
	s.mu.Unlock()
	if st == nil || st.token != token {
		return errUnknownInteraction
	}
	received := time.Now() // serveAPI has read the whole request
	body, files, e := parseBody(r)
	if e != nil {
		return e
	}
	var cb struct {
		Type int             `json:"type"`
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &cb); err != nil {
		return formError("type", "MODEL_TYPE_CONVERT", "Invalid interaction callback.")
	}

	if _, e := s.acceptCallback(st, cb.Type, cb.Data, files, received); e != nil {
		return e
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// acceptCallback checks and records an interaction's callback, however it came (REST
// callback or HTTP response), and returns the recorded Response. now is when the callback
// had wholly arrived: what its Latency and the acknowledgement deadline are measured to, not
// including the Server's own parsing and checking of it. The checks against Discord's rules
// run before s.mu is taken, as they need only the callback and the interaction's kind.
func (s *Server) acceptCallback(st *interaction, typ int, data json.RawMessage, files []File, now time.Time) (Response, *apiError) {
	invalid := validateCallback(st.kind, typ, data, len(files))
	s.mu.Lock()
	defer s.mu.Unlock()
	if st.response != nil {
		return Response{}, errAlreadyAcknowledged
	}
	if now.Sub(st.dispatched) > s.opts.AckDeadline {
		s.logf("callback for interaction %s after %v: Unknown interaction", st.id, now.Sub(st.dispatched).Round(time.Millisecond))
		return Response{}, errUnknownInteraction
	}
	if invalid != nil {
		return Response{}, invalid
	}
	st.response = &Response{Type: typ, Data: nullToNil(data), Files: files, Received: now, Latency: now.Sub(st.dispatched)}
	fields := messageFields(data, s.storeFiles(files, st.channelID))
	switch typ {
	case ResponseChannelMessage, ResponseDeferredChannelMessage:
		msgType := 20 // CHAT_INPUT_COMMAND
		if st.kind == InteractionComponent {
			msgType = 19 // REPLY
		}
		if typ == ResponseDeferredChannelMessage {
			fields = map[string]json.RawMessage{}
			if f, ok := messageFields(data, nil)["flags"]; ok {
				fields["flags"] = withLoadingFlag(f) // only flags matter on a deferral
			} else {
				fields["flags"] = json.RawMessage("128")
			}
		}
		// Discord tells whose interaction a response message answers.
		meta := map[string]any{"id": st.id, "type": st.kind, "user": userJSON(st.user.ID, st.user.Username, false),
			"authorizing_integration_owners": map[string]any{"0": cmp.Or(st.guildID, "0")}}
		if st.kind == InteractionComponent && st.source != nil {
			meta["interacted_message_id"] = st.source.id
		}
		fields["interaction_metadata"], _ = json.Marshal(meta)
		st.original = &message{id: s.snowflake(), channelID: st.channelID, msgType: msgType, created: now, fields: fields}
	case ResponseUpdateMessage:
		st.original = st.source
		if st.original != nil {
			for k, v := range fields {
				st.original.fields[k] = v
			}
			st.original.edited = &now
		}
	case ResponseDeferredUpdateMessage:
		st.original = st.source
	}
	s.notifyLocked()
	return *st.response, nil
}

// withLoadingFlag adds LOADING (128) to a deferred message's flags.
func withLoadingFlag(f json.RawMessage) json.RawMessage {
	n, err := strconv.ParseUint(string(f), 10, 64)
	if err != nil {
		return json.RawMessage("128")
	}
	return json.RawMessage(strconv.FormatUint(n|128, 10))
}

func nullToNil(b json.RawMessage) json.RawMessage {
	if len(b) == 0 || string(b) == "null" {
		return nil
	}
	return b
}

// writeRateLimited answers 429 the way Discord does for a per-route bucket.
func writeRateLimited(w http.ResponseWriter, retryAfter time.Duration) {
	secs := retryAfter.Seconds()
	h := w.Header()
	h.Set("Retry-After", strconv.Itoa(int(math.Ceil(secs))))
	h.Set("X-RateLimit-Limit", "5")
	h.Set("X-RateLimit-Remaining", "0")
	h.Set("X-RateLimit-Reset", strconv.FormatFloat(float64(time.Now().Add(retryAfter).UnixMilli())/1000, 'f', 3, 64))
	h.Set("X-RateLimit-Reset-After", strconv.FormatFloat(secs, 'f', 3, 64))
	h.Set("X-RateLimit-Bucket", "d0a4c6e1f9b2a7c3e5d8f0b1a2c3d4e5")
	h.Set("X-RateLimit-Scope", "user")
	writeJSON(w, http.StatusTooManyRequests, map[string]any{
		"message": "You are being rate limited.", "retry_after": math.Round(secs*1000) / 1000, "global": false})
}

// messageFields picks the message fields out of callback, follow-up or edit data.
func messageFields(data json.RawMessage, attachments []any) map[string]json.RawMessage {
	var all map[string]json.RawMessage
	json.Unmarshal(data, &all)
	out := map[string]json.RawMessage{}
	for _, k := range []string{"content", "embeds", "components", "flags", "tts", "poll"} {
		if v, ok := all[k]; ok && string(v) != "null" {
			out[k] = v
		}
	}
	if len(attachments) > 0 {
		out["attachments"], _ = json.Marshal(attachments)
	}
	return out
}

// lookupWebhook finds the interaction behind an interaction webhook. s.mu must be held.
func (s *Server) lookupWebhook(appID, token string) (*interaction, *apiError) {
	if appID != s.opts.AppID {
		return nil, errUnknownWebhook
	}
	st := s.byToken[token]
	if st == nil {
		return nil, errInvalidWebhookToken
	}
	if st.response == nil || st.kind == InteractionAutocomplete {
		return nil, errUnknownWebhook // nothing to follow up or edit before the callback, or after autocomplete
	}
	return st, nil
}

func (s *Server) serveFollowup(w http.ResponseWriter, r *request, appID, token string) *apiError {
	body, files, e := parseBody(r)
	if e != nil {
		return e
	}
	s.awaitHTTPResponse(r.Context(), token)
	s.mu.Lock()
	defer s.mu.Unlock()
	st, e := s.lookupWebhook(appID, token)
	if e != nil {
		return e
	}
	if e := validateMessage(body, true, len(files), false); e != nil {
		return e
	}
	now := time.Now()
	m := &message{id: s.snowflake(), channelID: st.channelID, msgType: 19, created: now,
		fields: messageFields(body, s.storeFiles(files, st.channelID))}
	st.followups = append(st.followups, body)
	st.followMsgs[m.id] = m
	s.notifyLocked()
	if r.URL.Query().Get("wait") == "true" {
		writeJSON(w, 200, s.messageJSON(m))
	} else {
		w.WriteHeader(http.StatusNoContent)
	}
	return nil
}

func (s *Server) serveWebhookMessage(w http.ResponseWriter, r *request, appID, token, msgID string) *apiError {
	var body json.RawMessage
	var files []File
	if r.Method == "PATCH" {
		var e *apiError
		if body, files, e = parseBody(r); e != nil {
			return e
		}
	}
	s.awaitHTTPResponse(r.Context(), token)
	s.mu.Lock()
	defer s.mu.Unlock()
	st, e := s.lookupWebhook(appID, token)
	if e != nil {
		return e
	}
	m := st.followMsgs[msgID]
	if msgID == "@original" {
		m = st.original
	}
	if m == nil || m.deleted {
		return errUnknownMessage
	}
	switch r.Method {
	case "GET":
		writeJSON(w, 200, s.messageJSON(m))
	case "DELETE":
		m.deleted = true
		s.notifyLocked()
		w.WriteHeader(http.StatusNoContent)
	case "PATCH":
		if e := validateMessage(body, false, len(files), false); e != nil {
			return e
		}
		for k, v := range messageFields(body, s.storeFiles(files, st.channelID)) {
			m.fields[k] = v
		}
		if f, ok := m.fields["flags"]; ok && msgID == "@original" {
			// The first edit of a deferred response ends its loading state.
			if n, err := strconv.ParseUint(string(f), 10, 64); err == nil && n&128 != 0 {
				m.fields["flags"] = json.RawMessage(strconv.FormatUint(n&^128, 10))
			}
		}
		now := time.Now()
		m.edited = &now
		if msgID == "@original" {
			st.edits = append(st.edits, body)
		}
		s.notifyLocked()
		writeJSON(w, 200, s.messageJSON(m))
	default:
		return errMethodNotAllowed
	}
	return nil
}

// ---- attachments ----

// Attachment is a file stored by the Server and served at URL, as an attachment a user
// uploaded (CDN URLs carry signature query parameters on Discord, and so does URL).
type Attachment struct {
	ID          string
	Filename    string
	Size        int
	URL         string
	ContentType string
}

func (a Attachment) json() map[string]any {
	return map[string]any{"id": a.ID, "filename": a.Filename, "size": a.Size, "url": a.URL,
		"proxy_url": a.URL, "content_type": a.ContentType, "ephemeral": true}
}

type storedAttachment struct {
	contentType string
	body        []byte
	release     <-chan struct{} // when not nil, the body is sent once it is closed
}

// AddAttachment stores a file as if a user had uploaded it and returns it; pass it to
// AttachmentOption to attach it to a command. It is served without authentication, like
// Discord's CDN.
func (s *Server) AddAttachment(name string, body []byte) Attachment {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addAttachmentLocked(s.opts.ChannelID, name, "", body)
}

// AddSlowAttachment is AddAttachment for a download that takes as long as the test wants:
// the headers are sent at once, the body once release is closed (or never, if the client
// gives up first).
func (s *Server) AddSlowAttachment(name string, body []byte, release <-chan struct{}) Attachment {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.addAttachmentLocked(s.opts.ChannelID, name, "", body)
	key := attachmentPath(s.opts.ChannelID, a.ID, name)
	st := s.attachments[key]
	st.release = release
	s.attachments[key] = st
	return a
}

// attachmentPath is where an attachment is served.
func attachmentPath(channelID, id, name string) string {
	return "/attachments/" + channelID + "/" + id + "/" + name
}

func (s *Server) addAttachmentLocked(channelID, name, contentType string, body []byte) Attachment {
	id := s.snowflake()
	if contentType == "" {
		contentType = mime.TypeByExtension(path.Ext(name))
	}
	if contentType == "" {
		contentType = http.DetectContentType(body)
	}
	s.attachments[attachmentPath(channelID, id, name)] = storedAttachment{contentType: contentType, body: append([]byte(nil), body...)}
	exp := strconv.FormatInt(time.Now().Add(24*time.Hour).Unix(), 16)
	return Attachment{ID: id, Filename: name, Size: len(body), ContentType: contentType,
		URL: s.hs.URL + attachmentPath(channelID, id, url.PathEscape(name)) + "?ex=" + exp + "&is=" + exp + "&hm=" + newSessionID() + "&"}
}

// storeFiles keeps the bot's uploaded files as attachments. s.mu must be held.
func (s *Server) storeFiles(files []File, channelID string) []any {
	var out []any
	for _, f := range files {
		out = append(out, s.addAttachmentLocked(channelID, f.Name, f.ContentType, f.Body).json())
	}
	return out
}

func (s *Server) serveAttachment(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	a, ok := s.attachments[r.URL.Path]
	s.mu.Unlock()
	if !ok || (r.Method != "GET" && r.Method != "HEAD") {
		http.Error(w, "This content is no longer available.", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", a.contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(a.body)))
	if a.release != nil {
		w.WriteHeader(http.StatusOK)
		http.NewResponseController(w).Flush()
		select {
		case <-a.release:
		case <-r.Context().Done():
			return
		}
	}
	if r.Method == "GET" {
		w.Write(a.body)
	}
}
