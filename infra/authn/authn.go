// Package authn verifies Onramp access tokens: JWTs signed by the identity service with
// Ed25519 (EdDSA), each naming its key with a kid. Verifiers hold only public keys, which
// they fetch from identity and refresh when a token names a key they do not know.
package authn

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Token claims are fixed by these constants; parsing requires all of them.
const (
	Issuer   = "onramp-identity"
	Audience = "onramp"
)

// ErrUnauthorized: the token is missing, malformed, forged, expired or for someone else.
var ErrUnauthorized = errors.New("authn: invalid token")

// Claims are what an access token says about its holder.
type Claims struct {
	jwt.RegisteredClaims
	Session string   `json:"sid"`
	Name    string   `json:"name,omitempty"`
	Roles   []string `json:"roles"`
	Team    string   `json:"team,omitempty"`
}

// Has reports whether the holder has any of roles.
func (c *Claims) Has(roles ...string) bool {
	return slices.ContainsFunc(roles, func(r string) bool { return slices.Contains(c.Roles, r) })
}

// KeySource returns the current public keys by kid.
type KeySource func(ctx context.Context) (map[string]ed25519.PublicKey, error)

// Verifier checks tokens against the keys from its source.
type Verifier struct {
	src        KeySource
	now        func() time.Time
	mu         sync.Mutex
	keys       map[string]ed25519.PublicKey
	lastFetch  time.Time
	minRefetch time.Duration
}

// NewVerifier returns a verifier that loads keys lazily from src.
func NewVerifier(src KeySource) *Verifier {
	return &Verifier{src: src, now: time.Now, minRefetch: time.Second}
}

// Verify parses and checks token: EdDSA only, a known kid, our issuer and audience, and an
// expiry that has not passed.
func (v *Verifier) Verify(ctx context.Context, token string) (*Claims, error) {
	var c Claims
	_, err := jwt.ParseWithClaims(token, &c, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		if kid == "" {
			return nil, errors.New("no kid")
		}
		return v.key(ctx, kid)
	},
		jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuer(Issuer),
		jwt.WithAudience(Audience),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(v.now),
		jwt.WithLeeway(5*time.Second),
	)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnauthorized, err)
	}
	if c.Subject == "" || c.Session == "" {
		return nil, fmt.Errorf("%w: no subject or session", ErrUnauthorized)
	}
	return &c, nil
}

func (v *Verifier) key(ctx context.Context, kid string) (ed25519.PublicKey, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if k, ok := v.keys[kid]; ok {
		return k, nil
	}
	// An unknown kid: maybe the keys were rotated. Refetch, but not more than once a second.
	if v.now().Sub(v.lastFetch) < v.minRefetch && v.keys != nil {
		return nil, errors.New("unknown kid")
	}
	keys, err := v.src(ctx)
	v.lastFetch = v.now()
	if err != nil {
		return nil, fmt.Errorf("fetch keys: %w", err)
	}
	v.keys = keys
	if k, ok := keys[kid]; ok {
		return k, nil
	}
	return nil, errors.New("unknown kid")
}

// Sign makes a token for claims with key kid; identity's issuer uses it, and tests.
func Sign(c Claims, kid string, key ed25519.PrivateKey) (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodEdDSA, c)
	t.Header["kid"] = kid
	s, err := t.SignedString(key)
	if err != nil {
		return "", fmt.Errorf("authn: sign: %w", err)
	}
	return s, nil
}
