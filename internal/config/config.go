// Package config reads Verbatim's configuration from the environment, once,
// into one struct that is validated and passed down. The Discord token never
// appears in its errors or in its printed form.
package config

import (
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
)

// Config is the bot's configuration.
type Config struct {
	Token     string `json:"-"` // DISCORD_TOKEN without any leading "Bot "
	AppID     string // DISCORD_APP_ID, a snowflake
	GuildID   string // DISCORD_GUILD_ID, a snowflake or "" (commands registered globally)
	DataDir   string // DATA_DIR, default "./data"
	LogLevel  slog.Level
	LogFormat string // LOG_FORMAT: "text" or "json"
	BaseURL   string // DISCORD_BASE_URL without a trailing slash, default "https://discord.com"

	// Mode is DISCORD_MODE: "gateway" (default: a gateway connection
	// receives interactions) or "http" (Discord POSTs them to /interactions).
	Mode string
	// PublicKey is DISCORD_PUBLIC_KEY decoded: the application's Ed25519
	// key that signs HTTP interactions. Required in http mode.
	PublicKey ed25519.PublicKey
	// ModeratorRoles are MODERATOR_ROLE_IDS: roles whose members may curate
	// the corpus besides those with Manage Server or Administrator.
	ModeratorRoles []string
	// ListenAddr is LISTEN_ADDR, where the HTTP server listens (default
	// ":8080"); "off" turns the server off (gateway mode only).
	ListenAddr string
	// PublicBaseURL is PUBLIC_BASE_URL without a trailing slash: how the
	// world reaches the HTTP server, used in links to document pages. "" when unset.
	PublicBaseURL string
}

// Modes of receiving interactions.
const (
	ModeGateway = "gateway"
	ModeHTTP    = "http"
)

// Defaults for the optional variables.
const (
	DefaultDataDir = "./data"
	DefaultBaseURL = "https://discord.com"
	DefaultListen  = ":8080"
	ListenOff      = "off"
)

// ErrInvalid marks a missing or malformed variable; the message names it.
var ErrInvalid = errors.New("invalid configuration")

func invalid(name, format string, args ...any) error {
	return fmt.Errorf("%w: %s %s", ErrInvalid, name, fmt.Sprintf(format, args...))
}

// Load reads the configuration through getenv. It returns an error wrapping
// ErrInvalid, naming the variable, for a missing or malformed one; errors
// never contain the token.
func Load(getenv func(string) string) (Config, error) { return load(getenv, true) }

// LoadWeb reads the configuration of the HTTP side alone (the web
// command): DATA_DIR, the log's, LISTEN_ADDR and PUBLIC_BASE_URL. Discord's
// variables are neither read nor required.
func LoadWeb(getenv func(string) string) (Config, error) { return load(getenv, false) }

func load(getenv func(string) string, discord bool) (Config, error) {
	get := func(name string) string { return strings.TrimSpace(getenv(name)) }
	var c Config

	if discord {
		tok := get("DISCORD_TOKEN")
		if tok == "Bot" || strings.HasPrefix(tok, "Bot ") {
			tok = strings.TrimSpace(tok[len("Bot"):])
		}
		switch {
		case tok == "":
			return Config{}, invalid("DISCORD_TOKEN", "is not set (the bot token from the developer portal)")
		case strings.ContainsFunc(tok, func(r rune) bool { return r <= ' ' || r > '~' }):
			return Config{}, invalid("DISCORD_TOKEN", "is malformed (it contains spaces or characters a token cannot have)")
		}
		c.Token = tok

		c.AppID = get("DISCORD_APP_ID")
		if c.AppID == "" {
			return Config{}, invalid("DISCORD_APP_ID", "is not set (the application id from the developer portal)")
		}
		if !snowflake(c.AppID) {
			return Config{}, invalid("DISCORD_APP_ID", "must be a Discord id (digits only)")
		}
		c.GuildID = get("DISCORD_GUILD_ID")
		if c.GuildID != "" && !snowflake(c.GuildID) {
			return Config{}, invalid("DISCORD_GUILD_ID", "must be a Discord id (digits only)")
		}
	}

	c.DataDir = get("DATA_DIR")
	if c.DataDir == "" {
		c.DataDir = DefaultDataDir
	}

	switch lv := strings.ToLower(get("LOG_LEVEL")); lv {
	case "", "info":
		c.LogLevel = slog.LevelInfo
	case "debug":
		c.LogLevel = slog.LevelDebug
	case "warn", "warning":
		c.LogLevel = slog.LevelWarn
	case "error":
		c.LogLevel = slog.LevelError
	default:
		return Config{}, invalid("LOG_LEVEL", "must be debug, info, warn or error, got %q", clip(lv))
	}
	switch f := strings.ToLower(get("LOG_FORMAT")); f {
	case "", "text":
		c.LogFormat = "text"
	case "json":
		c.LogFormat = "json"
	default:
		return Config{}, invalid("LOG_FORMAT", "must be text or json, got %q", clip(f))
	}

	if discord {
		c.BaseURL = get("DISCORD_BASE_URL")
		if c.BaseURL == "" {
			c.BaseURL = DefaultBaseURL
		}
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
			return Config{}, invalid("DISCORD_BASE_URL", "must be an absolute http or https URL such as %s", DefaultBaseURL)
		}
		// Scheme and host are case-insensitive: Discord's own address written
		// otherwise is still Discord, not a stand-in (whose host the bot trusts
		// for attachments).
		u.Scheme, u.Host = strings.ToLower(u.Scheme), strings.ToLower(u.Host)
		c.BaseURL = strings.TrimRight(u.String(), "/")

		switch m := strings.ToLower(get("DISCORD_MODE")); m {
		case "", ModeGateway:
			c.Mode = ModeGateway
		case ModeHTTP:
			c.Mode = ModeHTTP
		default:
			return Config{}, invalid("DISCORD_MODE", "must be gateway or http, got %q", clip(m))
		}
		if pk := get("DISCORD_PUBLIC_KEY"); pk != "" {
			b, err := hex.DecodeString(pk)
			if err != nil || len(b) != ed25519.PublicKeySize {
				return Config{}, invalid("DISCORD_PUBLIC_KEY", "must be the 64 hexadecimal digits of the application's public key")
			}
			c.PublicKey = ed25519.PublicKey(b)
		} else if c.Mode == ModeHTTP {
			return Config{}, invalid("DISCORD_PUBLIC_KEY", "is not set (the public key from the developer portal, needed with DISCORD_MODE=http)")
		}

		for _, r := range strings.Split(get("MODERATOR_ROLE_IDS"), ",") {
			if r = strings.TrimSpace(r); r == "" {
				continue
			}
			if !snowflake(r) {
				return Config{}, invalid("MODERATOR_ROLE_IDS", "must be role ids (digits) separated by commas, got %q", clip(r))
			}
			c.ModeratorRoles = append(c.ModeratorRoles, r)
		}
	}

	c.ListenAddr = get("LISTEN_ADDR")
	switch {
	case c.ListenAddr == "":
		c.ListenAddr = DefaultListen
	case strings.EqualFold(c.ListenAddr, ListenOff):
		if !discord {
			return Config{}, invalid("LISTEN_ADDR", "cannot be off for the web command: it serves HTTP")
		}
		if c.Mode == ModeHTTP {
			return Config{}, invalid("LISTEN_ADDR", "cannot be off with DISCORD_MODE=http: interactions arrive over HTTP")
		}
		c.ListenAddr = ListenOff
	default:
		if _, port, err := net.SplitHostPort(c.ListenAddr); err != nil || port == "" {
			return Config{}, invalid("LISTEN_ADDR", "must be host:port or :port (such as %s), or off, got %q", DefaultListen, clip(c.ListenAddr))
		}
	}

	if pb := get("PUBLIC_BASE_URL"); pb != "" {
		u, err := url.Parse(pb)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
			return Config{}, invalid("PUBLIC_BASE_URL", "must be an absolute http or https URL with no query, such as https://verbatim.example.org")
		}
		if strings.Trim(u.Path, "/") != "" {
			// The pages link to each other from the root: a prefix would
			// need a proxy that strips it, and links that add it.
			return Config{}, invalid("PUBLIC_BASE_URL", "must have no path: the server's pages are at its root (got %q)", clip(u.Path))
		}
		c.PublicBaseURL = strings.TrimRight(pb, "/")
	}
	return c, nil
}

// snowflake reports whether s looks like a Discord id.
func snowflake(s string) bool {
	if len(s) == 0 || len(s) > 20 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// clip keeps a bad value short in an error message.
func clip(s string) string {
	r := []rune(s)
	if len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

// String prints the configuration with the token redacted.
func (c Config) String() string {
	return fmt.Sprintf("{Token:%s AppID:%s GuildID:%s DataDir:%s LogLevel:%s LogFormat:%s BaseURL:%s Mode:%s ModeratorRoles:%v ListenAddr:%s PublicBaseURL:%s}",
		redacted(c.Token), c.AppID, c.GuildID, c.DataDir, c.LogLevel, c.LogFormat, c.BaseURL,
		c.Mode, c.ModeratorRoles, c.ListenAddr, c.PublicBaseURL)
}

// GoString is String, so that %#v does not print the token either.
func (c Config) GoString() string { return c.String() }

// LogValue logs the configuration with the token redacted.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("token", redacted(c.Token)),
		slog.String("app_id", c.AppID),
		slog.String("guild_id", c.GuildID),
		slog.String("data_dir", c.DataDir),
		slog.String("log_level", c.LogLevel.String()),
		slog.String("log_format", c.LogFormat),
		slog.String("base_url", c.BaseURL),
		slog.String("mode", c.Mode),
		slog.Any("moderator_roles", c.ModeratorRoles),
		slog.String("listen_addr", c.ListenAddr),
		slog.String("public_base_url", c.PublicBaseURL),
	)
}

func redacted(tok string) string {
	if tok == "" {
		return "(unset)"
	}
	return "(redacted)"
}
