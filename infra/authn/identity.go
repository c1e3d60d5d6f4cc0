package authn

import (
	"context"
	"crypto/ed25519"

	"github.com/nats-io/nats.go"

	"onramp.dev/events"
	"onramp.dev/events/identityapi"
	"onramp.dev/infra/rpc"
)

// IdentityKeys fetches the public signing keys from the identity service over NATS.
func IdentityKeys(nc *nats.Conn) KeySource {
	return func(ctx context.Context) (map[string]ed25519.PublicKey, error) {
		r, err := rpc.Do(ctx, nc, identityapi.OpKeys, rpc.Caller{}, events.None{})
		if err != nil {
			return nil, err
		}
		out := make(map[string]ed25519.PublicKey, len(r.Keys))
		for _, k := range r.Keys {
			out[k.KID] = k.Ed25519
		}
		return out, nil
	}
}
