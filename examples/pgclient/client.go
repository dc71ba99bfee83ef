package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/f2bac256/bedrock/conn"
	"github.com/f2bac256/bedrock/protocol"
	"github.com/f2bac256/bedrock/protocol/pgwire"
	"github.com/f2bac256/bedrock/protocol/pgwire/auth"
	"github.com/f2bac256/bedrock/transports/auto"
	"github.com/f2bac256/bedrock/writer"
)

// Errors of the client itself (the server's errors are *Error).
var (
	// ErrUnsupportedAuth reports an authentication method the client does
	// not implement (Kerberos, GSSAPI, SSPI, a SASL mechanism other than
	// SCRAM-SHA-256).
	ErrUnsupportedAuth = errors.New("pgclient: unsupported authentication method")
	// ErrProtocol reports a message the client did not expect where it
	// came: the connection is then closed.
	ErrProtocol = errors.New("pgclient: protocol violation")
	// ErrClosed reports a Client used after Close, or after an error that
	// left the connection unusable.
	ErrClosed = errors.New("pgclient: connection closed")
)

// Error is an ErrorResponse sent by the server. Find it with errors.As; it
// unwraps to the *pgwire.Error that holds all its fields.
type Error struct {
	Severity string // ERROR, FATAL or PANIC (localized)
	Code     string // the SQLSTATE code: 42601 for a syntax error...
	Message  string
	Detail   string
	Hint     string
	Position int32 // where in the query the error is, from 1 (0 if none)

	// Fields holds every field of the ErrorResponse.
	Fields *pgwire.Error
}

// fatal reports whether the error ended the session: its severity is
// FATAL or PANIC (the unlocalized one when the server sends it).
func (e *Error) fatal() bool {
	sev := e.Severity
	if e.Fields != nil && e.Fields.SeverityV != "" {
		sev = e.Fields.SeverityV
	}
	return sev == "FATAL" || sev == "PANIC"
}

// newError copies e's fields into an *Error.
func newError(e pgwire.ErrorResponse) *Error {
	f := e.Err()
	return &Error{
		Severity: f.Severity, Code: f.Code, Message: f.Message,
		Detail: f.Detail, Hint: f.Hint, Position: f.Position, Fields: f,
	}
}

// Error returns "pgclient: SEVERITY: message (SQLSTATE code)".
func (e *Error) Error() string {
	return fmt.Sprintf("pgclient: %s: %s (SQLSTATE %s)", e.Severity, e.Message, e.Code)
}

// Unwrap returns the *pgwire.Error of all the fields.
func (e *Error) Unwrap() error {
	if e.Fields == nil {
		return nil
	}
	return e.Fields
}

// Value is a column value in text format, copied out of the message.
type Value struct {
	Text string
	Null bool
}

// String returns the text, or "NULL".
func (v Value) String() string {
	if v.Null {
		return "NULL"
	}
	return v.Text
}

// Result is what a statement returned.
type Result struct {
	Columns []string  // the names of the columns, none for a statement without rows
	Types   []uint32  // the type OIDs of the columns
	Rows    [][]Value // the rows, one Value per column
	Tag     string    // the command tag: "SELECT 3", "INSERT 0 1"...
}

// Client is a connection to a PostgreSQL server. It is not safe for
// concurrent use. A message from the server larger than
// protocol.DefaultMaxMessageSize (a row of more than 4 MiB) fails the
// query and closes the connection.
type Client struct {
	conn   conn.Connection
	in     *protocol.Reader[pgwire.Message]
	out    *protocol.Writer[pgwire.Encoder]
	broken error // why the connection can no longer be used

	// Params holds the server's parameters (ParameterStatus), such as
	// server_version and TimeZone.
	Params map[string]string
}

// Connect dials addr (host:port) over TCP with the platform's default
// transport, starts a session as user on database and authenticates with
// password (cleartext, MD5 or SCRAM-SHA-256, as the server asks). A refusal
// by the server is an *Error (SQLSTATE 28P01 for a wrong password).
func Connect(ctx context.Context, addr, user, password, database string) (*Client, error) {
	tcp, err := net.ResolveTCPAddr("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("pgclient: %w", err)
	}
	cn, err := auto.Factory().Connect(ctx, tcp, conn.Properties{})
	if err != nil {
		return nil, fmt.Errorf("pgclient: connect %s: %w", addr, err)
	}
	p, err := cn.Pipe()
	if err != nil {
		cn.Abort(err)
		return nil, fmt.Errorf("pgclient: %w", err)
	}
	c := &Client{
		conn:   cn,
		in:     protocol.NewReader[pgwire.Message](p.Input(), &pgwire.BackendReader{}, protocol.ReaderOptions{}),
		out:    protocol.NewWriter[pgwire.Encoder](p.Output(), pgwire.Writer{}),
		Params: map[string]string{},
	}
	if err := c.startup(ctx, user, password, database); err != nil {
		c.fail(err)
		return nil, err
	}
	return c, nil
}

// send writes messages and flushes them once.
func (c *Client) send(ctx context.Context, msgs ...pgwire.Encoder) error {
	if err := c.out.WriteMany(ctx, msgs...); err != nil {
		return fmt.Errorf("pgclient: write: %w", err)
	}
	return nil
}

// startup sends the StartupMessage and answers the authentication requests
// until the server is ready for queries.
func (c *Client) startup(ctx context.Context, user, password, database string) error {
	err := c.send(ctx, pgwire.EncodeFunc(func(w *writer.Cursor) error {
		return pgwire.AppendStartupMessage(w, pgwire.ProtocolVersion30,
			"user", user, "database", database, "application_name", "bedrock-pgclient", "client_encoding", "UTF8")
	}))
	if err != nil {
		return err
	}
	var scram *auth.SCRAM
	return c.receive(ctx, func(m pgwire.Message) error {
		if m.Type != pgwire.TypeAuthentication {
			return c.common(m)
		}
		a, err := pgwire.DecodeAuthentication(m)
		if err != nil {
			return err
		}
		switch a.Kind {
		case pgwire.AuthOK:
			if scram != nil && !scram.Done() {
				return fmt.Errorf("%w: authentication ended before the SCRAM server signature", ErrProtocol)
			}
			return nil
		case pgwire.AuthCleartextPassword:
			return c.send(ctx, passwordMessage(password))
		case pgwire.AuthMD5Password:
			return c.send(ctx, passwordMessage(auth.MD5Password(user, password, a.Salt)))
		case pgwire.AuthSASL:
			if scram != nil {
				return fmt.Errorf("%w: second SASL request", ErrProtocol)
			}
			if !hasMechanism(a, auth.SCRAMSHA256) {
				return fmt.Errorf("%w: SASL mechanisms %q", ErrUnsupportedAuth, a.Data.String())
			}
			if scram, err = auth.NewSCRAM("", password); err != nil {
				return err
			}
			first, err := scram.ClientFirst()
			if err != nil {
				return err
			}
			return c.send(ctx, pgwire.EncodeFunc(func(w *writer.Cursor) error {
				return pgwire.AppendSASLInitialResponse(w, auth.SCRAMSHA256, first)
			}))
		case pgwire.AuthSASLContinue, pgwire.AuthSASLFinal:
			if scram == nil {
				return fmt.Errorf("%w: SASL message without a SASL request", ErrProtocol)
			}
			data := a.Data.Bytes()
			if a.Kind == pgwire.AuthSASLFinal {
				return scram.ServerFinal(data)
			}
			final, err := scram.ServerFirst(data)
			if err != nil {
				return err
			}
			return c.send(ctx, pgwire.EncodeFunc(func(w *writer.Cursor) error {
				return pgwire.AppendSASLResponse(w, final)
			}))
		default:
			return fmt.Errorf("%w: request %d", ErrUnsupportedAuth, a.Kind)
		}
	})
}

// passwordMessage is a PasswordMessage carrying p.
func passwordMessage(p string) pgwire.Encoder {
	return pgwire.EncodeFunc(func(w *writer.Cursor) error { return pgwire.AppendPassword(w, p) })
}

// hasMechanism reports whether an AuthSASL request offers mechanism.
func hasMechanism(a pgwire.Authentication, mechanism string) bool {
	it := a.Mechanisms()
	for {
		m, ok := it.Next()
		if !ok {
			return false
		}
		if m.String() == mechanism {
			return true
		}
	}
}

// receive reads messages and hands them to handle until ReadyForQuery.
// An ErrorResponse is kept and returned (as an *Error) once the server is
// ready again, or at once when it ends the session (FATAL). An error from
// handle or from the connection leaves the Client unusable.
func (c *Client) receive(ctx context.Context, handle func(pgwire.Message) error) error {
	var serverErr *Error
	for {
		m, err := c.in.Read(ctx)
		if err != nil {
			if serverErr != nil {
				return c.fail(serverErr) // the server ended the session after it
			}
			return c.fail(fmt.Errorf("pgclient: read: %w", err))
		}
		ready := false
		switch m.Type {
		case pgwire.TypeReadyForQuery:
			_, err = pgwire.DecodeReadyForQuery(m)
			ready = true
		case pgwire.TypeErrorResponse:
			var e pgwire.ErrorResponse
			if e, err = pgwire.DecodeErrorResponse(m); err == nil {
				serverErr = newError(e)
			}
		default:
			err = handle(m)
		}
		c.in.Advance()
		if err != nil {
			return c.fail(err)
		}
		if ready {
			if serverErr != nil {
				return serverErr
			}
			return nil
		}
		if serverErr != nil && serverErr.fatal() {
			return c.fail(serverErr)
		}
	}
}

// common handles the messages that may come at any time: ParameterStatus,
// NoticeResponse, NotificationResponse, BackendKeyData and
// NegotiateProtocolVersion. Anything else is a protocol violation.
func (c *Client) common(m pgwire.Message) error {
	switch m.Type {
	case pgwire.TypeParameterStatus:
		p, err := pgwire.DecodeParameterStatus(m)
		if err != nil {
			return err
		}
		c.Params[p.Name.String()] = p.Value.String()
		return nil
	case pgwire.TypeNoticeResponse:
		_, err := pgwire.DecodeErrorResponse(m)
		return err
	case pgwire.TypeNotificationResponse:
		_, err := pgwire.DecodeNotificationResponse(m)
		return err
	case pgwire.TypeBackendKeyData:
		_, err := pgwire.DecodeBackendKeyData(m)
		return err
	case pgwire.TypeNegotiateProtocolVersion:
		_, err := pgwire.DecodeNegotiateProtocolVersion(m)
		return err
	}
	return fmt.Errorf("%w: unexpected %v", ErrProtocol, m)
}

// fail makes the Client unusable for err's reason, tears the connection
// down, and returns err.
func (c *Client) fail(err error) error {
	if c.broken == nil {
		c.broken = err
		c.conn.Abort(err)
	}
	return err
}

// usable returns why the Client cannot be used, or nil.
func (c *Client) usable() error {
	if c.broken != nil {
		return fmt.Errorf("%w: %w", ErrClosed, c.broken)
	}
	return nil
}

// Close ends the session with Terminate and closes the connection. It is
// safe to call more than once.
func (c *Client) Close() error {
	if c.broken != nil {
		return nil
	}
	c.broken = ErrClosed
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := c.send(ctx, pgwire.EncodeFunc(func(w *writer.Cursor) error {
		pgwire.AppendTerminate(w)
		return nil
	}))
	if cerr := c.conn.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("pgclient: close: %w", cerr)
	}
	return err
}
