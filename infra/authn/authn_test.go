package authn

import (
	"context"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func claims(now time.Time) Claims {
	return Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: Issuer, Audience: jwt.ClaimStrings{Audience}, Subject: "p1",
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(15 * time.Minute)),
		},
		Session: "s1", Roles: []string{"hire"},
	}
}

func b64(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

// The attacks every verifier must refuse.
func TestVerifyRejectsAttacks(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	_, otherPriv, _ := ed25519.GenerateKey(nil)
	now := time.Now()
	fetches := 0
	v := NewVerifier(func(context.Context) (map[string]ed25519.PublicKey, error) {
		fetches++
		return map[string]ed25519.PublicKey{"k1": pub}, nil
	})
	good, err := Sign(claims(now), "k1", priv)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := v.Verify(context.Background(), good); err != nil || c.Subject != "p1" || !c.Has("hire") {
		t.Fatalf("good token: %v %+v", err, c)
	}

	signWith := func(f func(*Claims)) string {
		c := claims(now)
		f(&c)
		s, _ := Sign(c, "k1", priv)
		return s
	}
	parts := strings.Split(good, ".")
	hs := func() string { // HS256 "signed" with the public key as the secret
		head := b64(map[string]string{"alg": "HS256", "typ": "JWT", "kid": "k1"})
		m := hmac.New(sha256.New, pub)
		m.Write([]byte(head + "." + parts[1]))
		return head + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
	}()
	tampered := func() string {
		c := claims(now)
		c.Roles = []string{"admin"}
		return parts[0] + "." + b64(c) + "." + parts[2]
	}()
	otherKey, _ := Sign(claims(now), "k1", otherPriv)
	unknownKid, _ := Sign(claims(now), "k9", priv)

	tests := map[string]string{
		"alg none":       b64(map[string]string{"alg": "none", "typ": "JWT", "kid": "k1"}) + "." + parts[1] + ".",
		"HS256 with pub": hs,
		"tampered":       tampered,
		"expired":        signWith(func(c *Claims) { c.ExpiresAt = jwt.NewNumericDate(now.Add(-time.Minute)) }),
		"no expiry":      signWith(func(c *Claims) { c.ExpiresAt = nil }),
		"wrong issuer":   signWith(func(c *Claims) { c.Issuer = "evil" }),
		"wrong audience": signWith(func(c *Claims) { c.Audience = jwt.ClaimStrings{"other"} }),
		"no session":     signWith(func(c *Claims) { c.Session = "" }),
		"other key":      otherKey,
		"unknown kid":    unknownKid,
		"garbage":        "not.a.token",
		"empty":          "",
	}
	for name, tok := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := v.Verify(context.Background(), tok); !errors.Is(err, ErrUnauthorized) {
				t.Fatalf("Verify = %v, want ErrUnauthorized", err)
			}
		})
	}
	if fetches > 3 {
		t.Errorf("%d key fetches: unknown kids must not hammer the key source", fetches)
	}
}

func TestVerifyPicksUpRotatedKey(t *testing.T) {
	pub1, priv1, _ := ed25519.GenerateKey(nil)
	pub2, priv2, _ := ed25519.GenerateKey(nil)
	keys := map[string]ed25519.PublicKey{"k1": pub1}
	v := NewVerifier(func(context.Context) (map[string]ed25519.PublicKey, error) { return keys, nil })
	v.minRefetch = 0
	t1, _ := Sign(claims(time.Now()), "k1", priv1)
	if _, err := v.Verify(context.Background(), t1); err != nil {
		t.Fatal(err)
	}
	keys = map[string]ed25519.PublicKey{"k1": pub1, "k2": pub2}
	t2, _ := Sign(claims(time.Now()), "k2", priv2)
	if _, err := v.Verify(context.Background(), t2); err != nil {
		t.Fatalf("rotated key not fetched: %v", err)
	}
}

func FuzzVerify(f *testing.F) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	good, _ := Sign(claims(time.Now()), "k1", priv)
	f.Add(good)
	f.Add("a.b.c")
	v := NewVerifier(func(context.Context) (map[string]ed25519.PublicKey, error) {
		return map[string]ed25519.PublicKey{"k1": pub}, nil
	})
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := v.Verify(context.Background(), tok)
		// Only the genuine token's claims can ever come out (base64 allows a few
		// equivalent spellings of the same bytes; nothing else may pass).
		if err == nil && (c.Subject != "p1" || c.Session != "s1" || len(c.Roles) != 1 || c.Roles[0] != "hire") {
			t.Fatalf("accepted forged claims: %q → %+v", tok, c)
		}
	})
}

// A token that verified is remembered until it expires: then it is refused like any
// expired token, and what a caller does to the claims it got does not change the next
// answer. The memory is bounded.
func TestVerifyRemembersUntilExpiry(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	issued := time.Now()
	v := NewVerifier(func(context.Context) (map[string]ed25519.PublicKey, error) {
		return map[string]ed25519.PublicKey{"k1": pub}, nil
	})
	tok, err := Sign(claims(issued), "k1", priv)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		at    time.Duration // after issue
		valid bool
	}{
		{"fresh", 0, true},
		{"remembered", time.Minute, true},
		{"within the leeway", 15*time.Minute + 4*time.Second, true},
		{"expired", 15*time.Minute + 6*time.Second, false},
		{"expired, asked again", 16 * time.Minute, false},
	} {
		v.now = func() time.Time { return issued.Add(tc.at) }
		c, err := v.Verify(context.Background(), tok)
		if tc.valid != (err == nil) {
			t.Fatalf("%s: Verify = %v, want valid %v", tc.name, err, tc.valid)
		}
		if err != nil {
			if !errors.Is(err, ErrUnauthorized) {
				t.Fatalf("%s: %v, want ErrUnauthorized", tc.name, err)
			}
			continue
		}
		if c.Subject != "p1" || c.Session != "s1" || len(c.Roles) != 1 || c.Roles[0] != "hire" {
			t.Fatalf("%s: claims %+v", tc.name, c)
		}
		c.Roles[0], c.Subject = "admin", "p2" // the caller's copy only
	}
	if _, ok := v.verified[tok]; ok {
		t.Error("an expired token is still remembered")
	}

	v.now = time.Now
	for i := range maxVerified + 10 {
		c := claims(time.Now())
		c.ID = strconv.Itoa(i)
		tok, _ := Sign(c, "k1", priv)
		if _, err := v.Verify(context.Background(), tok); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(v.verified); n > maxVerified {
		t.Errorf("%d tokens remembered, at most %d", n, maxVerified)
	}
}
