package events

// Op is one request-reply operation of a service with the request it takes and the reply
// it answers. Each service declares its operations as Ops in its API package
// (events/<service>api); the service registers its handler with the same Op
// (rpc.Serve) and callers call it with it (rpc.Do), so both sides are checked against one
// contract at compile time and go-to-definition leads from a call to the operation.
type Op[Req, Resp any] struct {
	Service string // e.g. IdentityService
	Name    string // e.g. OpSession
}

// Subject is the NATS subject the operation answers on.
func (o Op[Req, Resp]) Subject() string { return RPC(o.Service, o.Name) }

// None is the request of an operation that takes nothing, and the reply of one that
// answers nothing.
type None struct{}
