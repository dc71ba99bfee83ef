// Command pgclient is a minimal PostgreSQL client built only from bedrock
// pieces: a connection dialed with the platform's default transport
// (transports/auto), its Pipe view read with a protocol.Reader of
// pgwire.Message and written with a protocol.Writer of pgwire's Append
// functions, and password authentication (cleartext, MD5 or SCRAM-SHA-256)
// computed by protocol/pgwire/auth.
//
// It runs each SQL argument as a simple query and prints the rows of its last
// statement as a table, like psql, or tab-separated with -tsv (first line the
// column names, NULL printed as \N). With -param flags it runs the one SQL
// argument as an extended query (Parse, Bind, Describe, Execute, Sync) with
// those parameters, $1 being the first.
//
// Usage:
//
//	go run ./examples/pgclient -addr 127.0.0.1:5432 -user U -password P -database D "SELECT ..."
//	go run ./examples/pgclient -user U -database D -param 41 "SELECT $1::int + 1"
//
// The password may also come from PGPASSWORD. An ErrorResponse from the
// server is printed with its SQLSTATE, and the command exits with status 1.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, err)
		}
		os.Exit(1)
	}
}

// params collects the values of repeated -param flags.
type params []string

func (p *params) String() string     { return strings.Join(*p, ",") }
func (p *params) Set(v string) error { *p = append(*p, v); return nil }

// run is the command: it parses args (without the program name), connects,
// runs the queries and prints their results to out.
func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("pgclient", flag.ContinueOnError)
	fs.SetOutput(out)
	addr := fs.String("addr", "127.0.0.1:5432", "server address, host:port")
	user := fs.String("user", os.Getenv("USER"), "role to connect as")
	password := fs.String("password", os.Getenv("PGPASSWORD"), "password (default $PGPASSWORD)")
	database := fs.String("database", "", "database (default: the role's name)")
	tsv := fs.Bool("tsv", false, "print tab-separated values instead of a table")
	timeout := fs.Duration("timeout", 30*time.Second, "bound on the whole run")
	var ps params
	fs.Var(&ps, "param", "a parameter of an extended query ($1, $2... in order; repeat the flag)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: pgclient [flags] SQL...")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errors.New("pgclient: no SQL given")
	}
	if len(ps) > 0 && fs.NArg() != 1 {
		return errors.New("pgclient: -param needs exactly one SQL argument")
	}
	if *database == "" {
		*database = *user
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()

	c, err := Connect(ctx, *addr, *user, *password, *database)
	if err != nil {
		return err
	}
	defer c.Close()
	for i, sql := range fs.Args() {
		var res *Result
		if len(ps) > 0 {
			args := make([]any, len(ps))
			for i, p := range ps {
				args[i] = p
			}
			res, err = c.QueryParams(ctx, sql, args...)
		} else {
			res, err = c.Query(ctx, sql)
		}
		if err != nil {
			return err
		}
		if i > 0 && !*tsv {
			fmt.Fprintln(out)
		}
		if *tsv {
			err = printTSV(out, res)
		} else {
			err = printTable(out, res)
		}
		if err != nil {
			return err
		}
	}
	return c.Close()
}

// printTSV prints res as tab-separated values: the column names, then the
// rows, NULL as \N. A statement returning no rows prints its command tag.
func printTSV(out io.Writer, res *Result) error {
	if len(res.Columns) == 0 {
		_, err := fmt.Fprintln(out, res.Tag)
		return err
	}
	var b strings.Builder
	b.WriteString(strings.Join(res.Columns, "\t"))
	b.WriteByte('\n')
	for _, row := range res.Rows {
		for i, v := range row {
			if i > 0 {
				b.WriteByte('\t')
			}
			if v.Null {
				b.WriteString(`\N`)
			} else {
				b.WriteString(v.Text)
			}
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(out, b.String())
	return err
}

// printTable prints res as psql does: a header, a rule, the rows with
// columns padded to their widest value, and the row count. A statement
// returning no rows prints its command tag.
func printTable(out io.Writer, res *Result) error {
	if len(res.Columns) == 0 {
		_, err := fmt.Fprintln(out, res.Tag)
		return err
	}
	widths := make([]int, len(res.Columns))
	for i, name := range res.Columns {
		widths[i] = utf8.RuneCountInString(name)
	}
	for _, row := range res.Rows {
		for i, v := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(cell(v)))
		}
	}
	var b strings.Builder
	line := func(cells func(i int) string) {
		for i, w := range widths {
			if i > 0 {
				b.WriteString(" |")
			}
			cell := cells(i)
			b.WriteByte(' ')
			b.WriteString(cell)
			if i < len(widths)-1 {
				b.WriteString(strings.Repeat(" ", w-utf8.RuneCountInString(cell)))
			}
		}
		b.WriteByte('\n')
	}
	line(func(i int) string { return res.Columns[i] })
	for i, w := range widths {
		if i > 0 {
			b.WriteByte('+')
		}
		b.WriteString(strings.Repeat("-", w+2))
	}
	b.WriteByte('\n')
	for _, row := range res.Rows {
		line(func(i int) string { return cell(row[i]) })
	}
	if len(res.Rows) == 1 {
		b.WriteString("(1 row)\n")
	} else {
		fmt.Fprintf(&b, "(%d rows)\n", len(res.Rows))
	}
	_, err := io.WriteString(out, b.String())
	return err
}

// cell is a value as a table shows it: NULL as nothing, as psql does.
func cell(v Value) string {
	if v.Null {
		return ""
	}
	return v.Text
}
