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

	// Tokens that verified, with their claims, until they expire: a signature check
	// (Ed25519) is most of what a signed-in request costs a service, and the same token
	// arrives with every request of a session. Whether the session is still live or the
	// person still active is not a property of the token; callers check that each time.
	verifiedMu sync.Mutex
	verified   map[string]*Claims
}

// maxVerified bounds the tokens a verifier remembers; when full, expired ones are dropped,
// and if none has expired, all of them.
const maxVerified = 4096

// leeway is the clock skew allowed on a token's times.
const leeway = 5 * time.Second

// NewVerifier returns a verifier that loads keys lazily from src.
func NewVerifier(src KeySource) *Verifier {
	return &Verifier{src: src, now: time.Now, minRefetch: time.Second, verified: map[string]*Claims{}}
}

// Verify parses and checks token: EdDSA only, a known kid, our issuer and audience, and an
// expiry that has not passed. A token that verified before is answered from memory until
// it expires. The claims returned are the caller's to change.
func (v *Verifier) Verify(ctx context.Context, token string) (*Claims, error) {
	now := v.now()
	v.verifiedMu.Lock()
	c, ok := v.verified[token]
	v.verifiedMu.Unlock()
	if ok {
		if now.Before(c.ExpiresAt.Add(leeway)) {
			return clone(c), nil
		}
		v.verifiedMu.Lock()
		delete(v.verified, token)
		v.verifiedMu.Unlock()
	}
	c, err := v.verify(ctx, token)
	if err != nil {
		return nil, err
	}
	v.remember(token, c, now)
	return clone(c), nil
}

func clone(c *Claims) *Claims {
	out := *c
	out.Roles = slices.Clone(c.Roles)
	out.Audience = slices.Clone(c.Audience)
	return &out
}

func (v *Verifier) remember(token string, c *Claims, now time.Time) {
	v.verifiedMu.Lock()
	defer v.verifiedMu.Unlock()
	if len(v.verified) >= maxVerified {
		for k, old := range v.verified {
			if !now.Before(old.ExpiresAt.Add(leeway)) {
				delete(v.verified, k)
			}
		}
		if len(v.verified) >= maxVerified {
			clear(v.verified)
		}
	}
	v.verified[token] = c
}

func (v *Verifier) verify(ctx context.Context, token string) (*Claims, error) {
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
		jwt.WithLeeway(leeway),
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
