// Package discordtest is a stand-in for Discord in end-to-end tests.
//
// A Server listens on 127.0.0.1 (random port) and speaks the parts of Discord a bot uses,
// in Discord's own JSON: the REST routes under /api/v9 (gateway discovery, application
// commands, interaction callbacks, the interaction webhook for edits and follow-ups, a few
// guild and user reads) and the gateway websocket (HELLO, IDENTIFY/READY, RESUME/RESUMED,
// heartbeats, RECONNECT, INVALID_SESSION, zlib payload compression when IDENTIFY asks for it).
// A real discordgo session connects to it once its HTTP client sends https://discord.com
// requests to URL().
//
// The stand-in enforces the rules a bot is most likely to break, answering as Discord does:
// the bot token on every REST request, one callback per interaction within the acknowledgement
// deadline, message and command limits. It models one bot session (one shard): a new IDENTIFY
// supersedes the previous session.
//
// Only bot/ imports discordgo; this package speaks raw JSON so that the protocol, not a
// library's idea of it, is what the bot is tested against.
package discordtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// Default identities used when Options leaves a field empty. They are valid snowflakes.
const (
	DefaultToken       = "test"
	DefaultAppID       = "1100000000000000001"
	DefaultGuildID     = "1100000000000000100"
	DefaultChannelID   = "1100000000000000200"
	DefaultBotUsername = "Verbatim"
)

// Permission bits used by the builders and the default roles (Discord's values).
const (
	PermAdministrator         uint64 = 1 << 3
	PermManageGuild           uint64 = 1 << 5
	PermViewChannel           uint64 = 1 << 10
	PermSendMessages          uint64 = 1 << 11
	PermEmbedLinks            uint64 = 1 << 14
	PermAttachFiles           uint64 = 1 << 15
	PermReadMessageHistory    uint64 = 1 << 16
	PermUseApplicationCommand uint64 = 1 << 31

	// DefaultPermissions is what an ordinary member has in the default channel.
	DefaultPermissions = PermViewChannel | PermSendMessages | PermEmbedLinks | PermAttachFiles |
		PermReadMessageHistory | PermUseApplicationCommand
)

// Errors returned by the Server's methods.
var (
	// ErrClosed is returned by waits and Interact once the Server is closed.
	ErrClosed = errors.New("discordtest: server closed")
	// ErrUnknownInteraction is returned for an interaction id the Server never dispatched.
	ErrUnknownInteraction = errors.New("discordtest: unknown interaction")
	// ErrUnknownCommand is returned by Interact for a command the bot has not registered
	// (globally or in the interaction's guild): Discord could not have sent it.
	ErrUnknownCommand = errors.New("discordtest: command not registered")
)

// Role is a guild role. The guild always has @everyone (id = guild id) besides these.
type Role struct {
	ID          string
	Name        string
	Permissions uint64
}

// Options configures a Server. Zero values take the defaults named on each field.
type Options struct {
	// Token is the bot token without the "Bot " prefix (default DefaultToken). REST
	// requests must carry "Authorization: Bot <Token>"; IDENTIFY and RESUME may send the
	// token with or without the prefix (discordgo sends it with).
	Token string
	// AppID is the application id (default DefaultAppID).
	AppID string
	// BotUserID is the bot user's id (default AppID, as for every bot created today).
	BotUserID string
	// BotUsername is the bot user's name (default DefaultBotUsername).
	BotUsername string
	// GuildID is the guild the bot is in, and where interactions happen unless they say
	// otherwise (default DefaultGuildID).
	GuildID string
	// ChannelID is the guild's text channel (default DefaultChannelID).
	ChannelID string
	// Roles are the guild's roles besides @everyone (default one "Moderators" role with
	// Manage Server, id DefaultModeratorRoleID).
	Roles []Role
	// HeartbeatInterval is announced in HELLO (default 1s, minimum 10ms).
	HeartbeatInterval time.Duration
	// AckDeadline is how long after dispatch an interaction callback is accepted
	// (default 3s, Discord's window).
	AckDeadline time.Duration
}

// DefaultModeratorRoleID is the id of the default "Moderators" role.
const DefaultModeratorRoleID = "1100000000000000400"

func (o Options) withDefaults() Options {
	if o.Token == "" {
		o.Token = DefaultToken
	}
	o.Token = strings.TrimPrefix(o.Token, "Bot ")
	if o.AppID == "" {
		o.AppID = DefaultAppID
	}
	if o.BotUserID == "" {
		o.BotUserID = o.AppID
	}
	if o.BotUsername == "" {
		o.BotUsername = DefaultBotUsername
	}
	if o.GuildID == "" {
		o.GuildID = DefaultGuildID
	}
	if o.ChannelID == "" {
		o.ChannelID = DefaultChannelID
	}
	if o.Roles == nil {
		o.Roles = []Role{{ID: DefaultModeratorRoleID, Name: "Moderators", Permissions: DefaultPermissions | PermManageGuild}}
	}
	if o.HeartbeatInterval == 0 {
		o.HeartbeatInterval = time.Second
	}
	if o.HeartbeatInterval < 10*time.Millisecond {
		o.HeartbeatInterval = 10 * time.Millisecond
	}
	if o.AckDeadline == 0 {
		o.AckDeadline = 3 * time.Second
	}
	return o
}

// RecordedRequest is one REST request the Server received (gateway upgrades excluded).
type RecordedRequest struct {
	Method   string
	Path     string // e.g. /api/v9/interactions/123/abc/callback
	RawQuery string
	// Authorized reports whether the request carried "Authorization: Bot <token>".
	// Unauthorized /api requests were answered 401.
	Authorized bool
	Status     int    // the status the Server answered
	Body       []byte // request body, at most maxRecordedBody bytes
	Time       time.Time
}

const maxRecordedBody = 1 << 20

// Server is a Discord stand-in. Create one with New; all methods are safe for concurrent use.
type Server struct {
	t        testing.TB
	opts     Options
	hs       *httptest.Server
	upgrader websocket.Upgrader
	done     chan struct{} // closed by Close
	wg       sync.WaitGroup
	ids      atomic.Uint64 // snowflake increment

	// sendMu serialises gateway dispatches so sequence numbers go out in order.
	// Lock order: sendMu, then mu, then a connection's write lock.
	sendMu sync.Mutex

	mu         sync.Mutex
	waiters    map[*waiter]struct{} // waits whose condition is not met yet (see wait)
	closed     bool
	conns      map[*gwConn]struct{}
	active     *gwConn    // connection that got READY/RESUMED and receives dispatches
	sess       *gwSession // current session, resumable
	identifies int
	resumes    int

	commands     map[string][]map[string]any // guild id ("" = global) -> registered commands
	commandsSet  map[string]bool             // guild ids whose commands the bot has written
	interactions map[string]*interaction     // by id
	byToken      map[string]*interaction
	fail429      int
	retryAfter   time.Duration
	requests     []RecordedRequest
	attachments  map[string]storedAttachment // by URL path
}

// New starts a Server on 127.0.0.1 at a random port; t.Cleanup closes it.
func New(t testing.TB, opts Options) *Server {
	t.Helper()
	s := &Server{
		t:            t,
		opts:         opts.withDefaults(),
		done:         make(chan struct{}),
		waiters:      map[*waiter]struct{}{},
		conns:        map[*gwConn]struct{}{},
		commands:     map[string][]map[string]any{},
		commandsSet:  map[string]bool{},
		interactions: map[string]*interaction{},
		byToken:      map[string]*interaction{},
		attachments:  map[string]storedAttachment{},
	}
	s.upgrader = websocket.Upgrader{
		HandshakeTimeout: 2 * time.Second,
		CheckOrigin:      func(*http.Request) bool { return true },
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/gateway", s.serveGateway)
	mux.HandleFunc("/gateway/", s.serveGateway) // discordgo adds a trailing slash
	mux.HandleFunc("/api/", s.serveAPI)
	mux.HandleFunc("/attachments/", s.serveAttachment)
	// Assigned before serving starts: handlers read s.hs.
	s.hs = httptest.NewUnstartedServer(mux) // httptest listens on 127.0.0.1
	s.hs.Start()
	t.Cleanup(s.Close)
	return s
}

// URL returns the base URL, http://127.0.0.1:PORT. A bot sends every https://discord.com
// request here, path unchanged.
func (s *Server) URL() string { return s.hs.URL }

// GatewayURL returns the websocket URL that GET /api/v9/gateway announces.
func (s *Server) GatewayURL() string {
	return "ws" + strings.TrimPrefix(s.hs.URL, "http") + "/gateway"
}

// Options returns the Server's options with defaults filled in.
func (s *Server) Options() Options { return s.opts }

// Close closes the gateway connections (abruptly, like a network loss) and the HTTP server,
// and waits for the Server's goroutines. It is called by t.Cleanup; calling it again is a no-op.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	close(s.done)
	conns := make([]*gwConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.active = nil
	s.notifyLocked()
	s.mu.Unlock()
	for _, c := range conns {
		c.ws.Close()
	}
	s.hs.Close()
	s.wg.Wait()
}

// waiter is a wait blocked on its condition.
type waiter struct {
	cond func() bool   // called with s.mu held
	met  chan struct{} // closed once cond was true
}

// notifyLocked re-checks the condition of every wait after a state change, and wakes those
// whose condition now holds (only those: a load test has many waits, each for its own
// interaction). s.mu must be held.
func (s *Server) notifyLocked() {
	for w := range s.waiters {
		if w.cond() {
			delete(s.waiters, w)
			close(w.met)
		}
	}
}

// wait blocks until cond (called with s.mu held, so it must not block) is true, ctx ends or
// the Server closes.
func (s *Server) wait(ctx context.Context, cond func() bool) error {
	s.mu.Lock()
	if cond() {
		s.mu.Unlock()
		return nil
	}
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	w := &waiter{cond: cond, met: make(chan struct{})}
	s.waiters[w] = struct{}{}
	s.mu.Unlock()
	select {
	case <-w.met:
		return nil
	case <-ctx.Done():
	case <-s.done:
	}
	s.mu.Lock()
	_, waiting := s.waiters[w]
	delete(s.waiters, w)
	s.mu.Unlock()
	switch {
	case !waiting:
		return nil // met just as the wait ended
	case ctx.Err() != nil:
		return ctx.Err()
	}
	return ErrClosed
}

// WaitReady waits until a gateway connection has IDENTIFYed (or RESUMEd) and been sent
// READY (or RESUMED), and is still open and not told to reconnect. After Reconnect,
// DropConnection or InvalidateSession it waits for the bot to come back.
// It returns ctx.Err() or ErrClosed if that does not happen.
func (s *Server) WaitReady(ctx context.Context) error {
	return s.wait(ctx, func() bool { return s.active != nil })
}

// Identifies returns how many IDENTIFYs were accepted.
func (s *Server) Identifies() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.identifies
}

// Resumes returns how many RESUMEs were accepted.
func (s *Server) Resumes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.resumes
}

// Requests returns the REST requests received so far, oldest first.
func (s *Server) Requests() []RecordedRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]RecordedRequest(nil), s.requests...)
}

// Commands returns the commands registered for guildID ("" = global), as Discord stores
// and returns them (with id, application_id, version, type).
func (s *Server) Commands(guildID string) []json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.commandsLocked(guildID)
}

func (s *Server) commandsLocked(guildID string) []json.RawMessage {
	out := make([]json.RawMessage, 0, len(s.commands[guildID]))
	for _, c := range s.commands[guildID] {
		b, _ := json.Marshal(c)
		out = append(out, b)
	}
	return out
}

// WaitCommands waits until the bot has written commands for guildID ("" = global) at least
// once (bulk overwrite, create or delete) and returns them as Commands does.
func (s *Server) WaitCommands(ctx context.Context, guildID string) ([]json.RawMessage, error) {
	var out []json.RawMessage
	err := s.wait(ctx, func() bool {
		if !s.commandsSet[guildID] {
			return false
		}
		out = s.commandsLocked(guildID)
		return true
	})
	return out, err
}

// Fail429Next makes the next n interaction callbacks answer 429 Too Many Requests, with
// retry_after in the JSON body and Retry-After and X-RateLimit-* headers as Discord sends
// them. The interaction stays unanswered, so a retry inside the deadline succeeds.
func (s *Server) Fail429Next(n int, retryAfter time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail429, s.retryAfter = n, retryAfter
}

// snowflake returns a fresh Discord id for the current time.
func (s *Server) snowflake() string {
	const discordEpochMs = 1420070400000
	ms := uint64(time.Now().UnixMilli() - discordEpochMs)
	return fmt.Sprint(ms<<22 | (1 << 17) | (s.ids.Add(1) & 0xfff))
}

func (s *Server) logf(format string, args ...any) {
	s.t.Helper()
	s.t.Logf("discordtest: "+format, args...)
}
