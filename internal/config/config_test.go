package config_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/verbatimbot/verbatim/internal/config"
)

const pubHex = "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"

const secret = "MTEwMDAwMDAwMDAwMDAwMDAwMQ.GsEcRe.t0k3n-value_xyz"

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func base() map[string]string {
	return map[string]string{"DISCORD_TOKEN": secret, "DISCORD_APP_ID": "1100000000000000001"}
}

func with(kv ...string) map[string]string {
	m := base()
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

func TestLoad(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		wantErr string // the variable the error must name; "" for success
		check   func(t *testing.T, c config.Config)
	}{
		{"defaults", base(), "", func(t *testing.T, c config.Config) {
			if c.Token != secret || c.AppID != "1100000000000000001" || c.GuildID != "" || c.DataDir != "./data" ||
				c.LogLevel != slog.LevelInfo || c.LogFormat != "text" || c.BaseURL != "https://discord.com" {
				t.Errorf("%+v", c)
			}
		}},
		{"Bot prefix tolerated", with("DISCORD_TOKEN", "Bot "+secret), "", func(t *testing.T, c config.Config) {
			if c.Token != secret {
				t.Errorf("token kept its prefix")
			}
		}},
		{"all set", with("DISCORD_GUILD_ID", "1100000000000000100", "DATA_DIR", "/tmp/x", "LOG_LEVEL", "DEBUG",
			"LOG_FORMAT", "json", "DISCORD_BASE_URL", "http://127.0.0.1:8080/"), "", func(t *testing.T, c config.Config) {
			if c.GuildID != "1100000000000000100" || c.DataDir != "/tmp/x" || c.LogLevel != slog.LevelDebug ||
				c.LogFormat != "json" || c.BaseURL != "http://127.0.0.1:8080" {
				t.Errorf("%+v", c)
			}
		}},
		{"new defaults", base(), "", func(t *testing.T, c config.Config) {
			if c.Mode != config.ModeGateway || c.PublicKey != nil || c.ModeratorRoles != nil ||
				c.ListenAddr != ":8080" || c.PublicBaseURL != "" {
				t.Errorf("%+v", c)
			}
		}},
		{"http mode", with("DISCORD_MODE", "HTTP", "DISCORD_PUBLIC_KEY", pubHex, "MODERATOR_ROLE_IDS", " 11, 22 ,",
			"LISTEN_ADDR", "127.0.0.1:9000", "PUBLIC_BASE_URL", "https://verbatim.example.org/"), "", func(t *testing.T, c config.Config) {
			if c.Mode != config.ModeHTTP || len(c.PublicKey) != 32 || strings.Join(c.ModeratorRoles, "|") != "11|22" ||
				c.ListenAddr != "127.0.0.1:9000" || c.PublicBaseURL != "https://verbatim.example.org" {
				t.Errorf("%+v", c)
			}
		}},
		{"Discord's address in capitals", with("DISCORD_BASE_URL", "HTTPS://Discord.com/"), "", func(t *testing.T, c config.Config) {
			if c.BaseURL != config.DefaultBaseURL {
				t.Errorf("%q is not recognised as Discord's own address", c.BaseURL)
			}
		}},
		{"listen off", with("LISTEN_ADDR", "OFF"), "", func(t *testing.T, c config.Config) {
			if c.ListenAddr != config.ListenOff {
				t.Errorf("%+v", c)
			}
		}},
		{"bad mode", with("DISCORD_MODE", "webhook"), "DISCORD_MODE", nil},
		{"http mode without key", with("DISCORD_MODE", "http"), "DISCORD_PUBLIC_KEY", nil},
		{"short public key", with("DISCORD_PUBLIC_KEY", pubHex[:62]), "DISCORD_PUBLIC_KEY", nil},
		{"non-hex public key", with("DISCORD_PUBLIC_KEY", strings.Repeat("zz", 32)), "DISCORD_PUBLIC_KEY", nil},
		{"bad role id", with("MODERATOR_ROLE_IDS", "11,mods"), "MODERATOR_ROLE_IDS", nil},
		{"bad listen addr", with("LISTEN_ADDR", "8080"), "LISTEN_ADDR", nil},
		{"http mode listen off", with("DISCORD_MODE", "http", "DISCORD_PUBLIC_KEY", pubHex, "LISTEN_ADDR", "off"), "LISTEN_ADDR", nil},
		{"relative public base", with("PUBLIC_BASE_URL", "verbatim.example.org"), "PUBLIC_BASE_URL", nil},
		{"public base with query", with("PUBLIC_BASE_URL", "https://x.example/?a=1"), "PUBLIC_BASE_URL", nil},
		{"missing token", with("DISCORD_TOKEN", ""), "DISCORD_TOKEN", nil},
		{"only prefix", with("DISCORD_TOKEN", "Bot "), "DISCORD_TOKEN", nil},
		{"malformed token", with("DISCORD_TOKEN", secret+" extra"), "DISCORD_TOKEN", nil},
		{"missing app id", with("DISCORD_APP_ID", ""), "DISCORD_APP_ID", nil},
		{"malformed app id", with("DISCORD_APP_ID", "my-app"), "DISCORD_APP_ID", nil},
		{"app id is the token", with("DISCORD_APP_ID", secret), "DISCORD_APP_ID", nil},
		{"malformed guild id", with("DISCORD_GUILD_ID", "12a"), "DISCORD_GUILD_ID", nil},
		{"bad log level", with("LOG_LEVEL", "loud"), "LOG_LEVEL", nil},
		{"bad log format", with("LOG_FORMAT", "xml"), "LOG_FORMAT", nil},
		{"relative base url", with("DISCORD_BASE_URL", "discord.com"), "DISCORD_BASE_URL", nil},
		{"ftp base url", with("DISCORD_BASE_URL", "ftp://discord.com"), "DISCORD_BASE_URL", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := config.Load(env(tt.env))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				tt.check(t, c)
				for _, s := range []string{c.String(), fmt.Sprintf("%v %+v %#v %s", c, c, c, c)} {
					if strings.Contains(s, secret) {
						t.Errorf("token printed: %s", s)
					}
				}
				var buf bytes.Buffer
				slog.New(slog.NewJSONHandler(&buf, nil)).Info("config", "config", c)
				if strings.Contains(buf.String(), secret) || !strings.Contains(buf.String(), "redacted") {
					t.Errorf("token logged: %s", buf.String())
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want one naming %s", tt.wantErr)
			}
			if !errors.Is(err, config.ErrInvalid) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not name %s", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), secret[:10]) {
				t.Errorf("error contains the token: %q", err)
			}
		})
	}
}

// The web command needs no Discord: it reads the rest as serve does, and a
// LISTEN_ADDR of off would leave it nothing to do.
func TestLoadWeb(t *testing.T) {
	c, err := config.LoadWeb(env(map[string]string{"DATA_DIR": "/tmp/d", "LISTEN_ADDR": "127.0.0.1:9000", "PUBLIC_BASE_URL": "https://v.example.org/"}))
	if err != nil || c.DataDir != "/tmp/d" || c.ListenAddr != "127.0.0.1:9000" || c.PublicBaseURL != "https://v.example.org" || c.Token != "" {
		t.Errorf("LoadWeb = %+v, %v", c, err)
	}
	if _, err := config.LoadWeb(env(map[string]string{"LISTEN_ADDR": "off"})); err == nil || !strings.Contains(err.Error(), "LISTEN_ADDR") {
		t.Errorf("web with LISTEN_ADDR=off: %v", err)
	}
	if _, err := config.Load(env(map[string]string{})); err == nil || !strings.Contains(err.Error(), "DISCORD_TOKEN") {
		t.Errorf("serve without a token: %v", err)
	}
}

// Pages link to each other from the root, so a base URL with a path would
// hand out links that lead nowhere.
func TestPublicBaseURLPath(t *testing.T) {
	for _, pb := range []string{"https://example.org/verbatim", "https://example.org/a/b/"} {
		if _, err := config.LoadWeb(env(map[string]string{"PUBLIC_BASE_URL": pb})); err == nil || !strings.Contains(err.Error(), "must have no path") {
			t.Errorf("%s: %v", pb, err)
		}
	}
}
