"""The LALR (``ply.yacc``) grammar of InfluxQL 1.x (influxql 1.1.0), building ``ast`` nodes.

The tables are generated once into ``parsetab.py`` (``python -m chronus.influxql.grammar``) and only loaded
at import.  Checks Go's parser makes while parsing (ORDER BY time only, fill()/tz() arguments, integer and
duration ranges, ...) are made in the actions below with Go's wording; syntax errors are worded by
``parser.py`` from the parser state.
"""

from __future__ import annotations

import os
import zoneinfo

import ply.yacc as yacc

from chronus.influxql import ast as A  # noqa: N812  (short names keep the grammar actions readable)
from chronus.influxql import lexer as L  # noqa: N812
from chronus.influxql.lexer import ParseError
from chronus.influxql.quoting import format_duration, quote_ident

MODE_TOKENS = ("QUERY_MODE", "STATEMENT_MODE", "EXPR_MODE")
tokens = L.tokens + MODE_TOKENS

INT32_MAX = (1 << 31) - 1
INT64_MAX = (1 << 63) - 1
UINT64_MAX = (1 << 64) - 1

precedence = (
    ("left", "OR"),
    ("left", "AND"),
    ("left", "EQ", "NEQ", "EQREGEX", "NEQREGEX", "LT", "LTE", "GT", "GTE"),
    ("left", "ADD", "SUB", "BITWISE_OR", "BITWISE_XOR"),
    ("left", "MUL", "DIV", "MOD", "BITWISE_AND"),
)

_OP_TEXT = {k: v for k, v in L.TOKEN_TEXT.items() if k in L.OPERATORS}
# Operators binding tighter than the comparisons.
_TIGHT_OPS = ("ADD", "SUB", "BITWISE_OR", "BITWISE_XOR", "MUL", "DIV", "MOD", "BITWISE_AND")


def _tok(p, i):
    return p.slice[i]


def _next_token(p) -> L.Token:
    """The token after what has been reduced so far (the parser's lookahead)."""
    return p.lexer.lookahead()


def _unexpected(tok: L.Token, expected: list[str]) -> ParseError:
    return ParseError.unexpected(tok.found, expected, tok.pos)


# ---- statements list ---------------------------------------------------------------------------------

def p_top(p):
    """top : QUERY_MODE query
           | STATEMENT_MODE statement EOF
           | EXPR_MODE expr EOF"""
    # One statement or expression ends where Go's parser stops reading: parser.py returns it at the first
    # token that cannot continue it.
    p[0] = p[2]


def p_query(p):
    """query : seq_open EOF
             | seq_closed EOF"""
    p[0] = A.Query(statements=p[1])


def p_seq_open_empty(p):
    """seq_open : """
    p[0] = []


def p_seq_open_semi(p):
    """seq_open : seq_open SEMICOLON
                | seq_closed SEMICOLON"""
    p[0] = p[1]


def p_seq_closed(p):
    """seq_closed : seq_open statement"""
    p[0] = p[1] + [p[2]]


def p_statement(p):
    """statement : select_stmt
                 | delete_stmt
                 | show_stmt
                 | create_stmt
                 | drop_stmt
                 | explain_stmt
                 | grant_stmt
                 | revoke_stmt
                 | alter_stmt
                 | set_password_stmt
                 | kill_stmt"""
    p[0] = p[1]


# ---- common pieces -------------------------------------------------------------------------------------

def p_ident(p):
    """ident : IDENT
             | FILLID
             | TZID"""
    p[0] = p[1]


def p_ident_list(p):
    """ident_list : ident
                  | ident_list COMMA ident"""
    p[0] = [p[1]] if len(p) == 2 else p[1] + [p[3]]


def p_string_list(p):
    """string_list : STRING
                   | string_list COMMA STRING"""
    p[0] = [p[1]] if len(p) == 2 else p[1] + [p[3]]


def p_on_db_opt(p):
    """on_db_opt :
                 | ON ident"""
    p[0] = p[2] if len(p) == 3 else ""


def p_int_arg(p):
    """int_arg : INTEGER"""
    tok = _tok(p, 1)
    n = int(tok.value)
    if n > INT64_MAX:
        raise ParseError.at(f'strconv.Atoi: parsing "{tok.value}": value out of range', tok.pos)
    if not 1 <= n <= INT32_MAX:
        raise ParseError.at(f"invalid value {n}: must be 1 <= n <= {INT32_MAX}", tok.pos)
    p[0] = n


def p_uint_arg(p):
    """uint_arg : INTEGER"""
    tok = _tok(p, 1)
    n = int(tok.value)
    if n > UINT64_MAX:
        raise ParseError.at(f'strconv.ParseUint: parsing "{tok.value}": value out of range', tok.pos)
    p[0] = n


def _duration_at(tok: L.Token) -> int:
    try:
        return L.parse_duration(tok.value)
    except L.DurationError as err:
        raise ParseError.at(str(err), tok.pos) from None


def p_duration_arg(p):
    """duration_arg : DURATIONVAL
                    | INF"""
    p[0] = 0 if p.slice[1].type == "INF" else _duration_at(_tok(p, 1))


def p_shard_duration_arg(p):
    """shard_duration_arg : DURATIONVAL"""
    p[0] = _duration_at(_tok(p, 1))


def p_shard_duration_inf(p):
    """shard_duration_arg : INF"""
    raise ParseError.at("invalid duration INF for shard duration", _tok(p, 1).pos)


# ---- SELECT --------------------------------------------------------------------------------------------

def _is_raw(fields: list[A.Field]) -> bool:
    found = []

    def visit(node):
        if isinstance(node, A.Call):
            found.append(node)
        elif isinstance(node, A.BinaryExpr):
            visit(node.lhs)
            visit(node.rhs)
        elif isinstance(node, (A.ParenExpr, A.Field)):
            visit(node.expr)

    for f in fields:
        visit(f)
    return not found


def _build_select(fields, target, tail) -> A.SelectStatement:
    stmt = A.SelectStatement(fields=fields, target=target, **tail)
    stmt.is_raw_query = _is_raw(fields)
    return stmt


def p_select_stmt(p):
    """select_stmt : SELECT fields into_opt FROM sources select_tail"""
    p[0] = _build_select(p[2], p[3], dict(sources=p[5], **p[6]))


def p_select_tail(p):
    """select_tail : where_opt group_by_opt fill_opt order_by_opt limit_offset slimit_soffset tz_opt"""
    fill, fill_value = p[3]
    (limit, offset), (slimit, soffset) = p[5], p[6]
    p[0] = dict(condition=p[1], dimensions=p[2], fill=fill, fill_value=fill_value, sort_fields=p[4],
                limit=limit, offset=offset, slimit=slimit, soffset=soffset, location=p[7])


def p_limit_offset(p):
    """limit_offset : limit_opt offset_opt
       slimit_soffset : slimit_opt soffset_opt"""
    p[0] = (p[1], p[2])


def p_fields(p):
    """fields : field
              | fields COMMA field"""
    p[0] = [p[1]] if len(p) == 2 else p[1] + [p[3]]


def p_field(p):
    """field : field_expr alias_opt
             | regex alias_opt"""
    p[0] = A.Field(expr=p[1], alias=p[2])


def p_field_expr(p):
    """field_expr : field_start expr"""
    bad = _comparison_operator(p[2])
    if bad:
        line, char = p[1]
        raise ParseError(f"invalid operator {bad} in SELECT clause at line {line + 1}, char {char + 1}; "
                         "operator is intended for WHERE clause")
    p[0] = p[2]


def p_field_start(p):
    """field_start : """
    p[0] = p.lexer.next_position()


_WHERE_OPS = frozenset(("=", "!=", "=~", "!~", "<", "<=", ">", ">=", "AND", "OR"))


def _comparison_operator(expr) -> str:
    if isinstance(expr, A.BinaryExpr):
        if expr.op in _WHERE_OPS:
            return expr.op
        return _comparison_operator(expr.lhs) or _comparison_operator(expr.rhs)
    if isinstance(expr, A.ParenExpr):
        return _comparison_operator(expr.expr)
    if isinstance(expr, A.Call):
        for arg in expr.args:
            bad = _comparison_operator(arg)
            if bad:
                return bad
    return ""


def p_alias_opt(p):
    """alias_opt :
                 | AS ident"""
    p[0] = p[2] if len(p) == 3 else ""


def p_into_opt(p):
    """into_opt :
                | into"""
    p[0] = p[1] if len(p) == 2 else None


def p_into(p):
    """into : INTO segments
            | INTO segments dots COLON MEASUREMENT"""
    idents = list(p[2])
    if len(p) == 6:
        idents += [""] * p[3]
    _check_segments(idents)
    m = A.Measurement(is_target=True)
    if len(idents) == 1:
        m.name = idents[0]
    elif len(idents) == 2:
        m.retention_policy, m.name = idents
    else:
        m.database, m.retention_policy, m.name = idents
    p[0] = A.Target(measurement=m)


def p_segments(p):
    """segments : ident
                | segments dots ident"""
    p[0] = [p[1]] if len(p) == 2 else p[1] + [""] * (p[2] - 1) + [p[3]]


def p_dots(p):
    """dots : DOT
            | dots DOT"""
    p[0] = 1 if len(p) == 2 else p[1] + 1


def _check_segments(idents: list[str]) -> None:
    if len(idents) > 3:
        raise ParseError.at(f"too many segments in {quote_ident(*idents)}")


def p_sources(p):
    """sources : source
               | sources COMMA source"""
    p[0] = [p[1]] if len(p) == 2 else p[1] + [p[3]]


def p_source(p):
    """source : plain_source
              | subquery"""
    p[0] = p[1]


def p_subquery(p):
    """subquery : LPAREN SELECT fields into_opt FROM sources select_tail RPAREN"""
    p[0] = A.SubQuery(statement=_build_select(p[3], p[4], dict(sources=p[6], **p[7])))


def p_plain_sources(p):
    """plain_sources : plain_source
                     | plain_sources COMMA plain_source"""
    p[0] = [p[1]] if len(p) == 2 else p[1] + [p[3]]


def p_plain_source_name(p):
    """plain_source : segments"""
    idents = p[1]
    _check_segments(idents)
    m = A.Measurement()
    if len(idents) == 1:
        m.name = idents[0]
    elif len(idents) == 2:
        m.retention_policy, m.name = idents
    else:
        m.database, m.retention_policy, m.name = idents
    p[0] = m


def p_plain_source_regex(p):
    """plain_source : regex
                    | segments dots regex"""
    m = A.Measurement(regex=p[len(p) - 1])
    idents = [] if len(p) == 2 else list(p[1]) + [""] * (p[2] - 1)
    _check_segments(idents + [""])
    if len(idents) == 1:
        m.retention_policy = idents[0]
    elif len(idents) == 2:
        m.database, m.retention_policy = idents
    p[0] = m


def p_regex(p):
    """regex : REGEX"""
    p[0] = _regex_literal(_tok(p, 1))


def p_regex_bad(p):
    """regex : BADREGEX"""
    raise ParseError.at(f"bad regex: {p[1]}", _tok(p, 1).pos)


def _regex_literal(tok: L.Token) -> A.RegexLiteral:
    return A.RegexLiteral(val=tok.value)  # the lexer has checked it compiles


def p_where_opt(p):
    """where_opt :
                 | WHERE expr"""
    p[0] = p[2] if len(p) == 3 else None


def p_group_by_opt(p):
    """group_by_opt :
                    | GROUP BY dimensions"""
    p[0] = p[3] if len(p) == 4 else []


def p_dimensions(p):
    """dimensions : expr
                  | regex
                  | dimensions COMMA expr
                  | dimensions COMMA regex"""
    if len(p) == 2:
        p[0] = [A.Dimension(expr=p[1])]
    else:
        p[0] = p[1] + [A.Dimension(expr=p[3])]


def p_fill_opt(p):
    """fill_opt :
                | fill_clause"""
    p[0] = p[1] if len(p) == 2 else (A.FillOption.NullFill, None)


# After the WHERE / GROUP BY clauses Go reads ``fill`` and ``tz`` as whole expressions (then requires a
# bare call): ``<head> <op> <expr> ...`` parses as an expression before it is rejected.
_ALL_OPS = ("OR", "AND", "EQ", "NEQ", "LT", "LTE", "GT", "GTE") + _TIGHT_OPS


def _clause_expr_rules(name: str, head: str) -> str:
    rules = [f"{name} : {head}"]
    rules += [f"{name} {op} expr" for op in _ALL_OPS]
    rules += [f"{name} EQREGEX regex_operand", f"{name} NEQREGEX regex_operand"]
    return "\n    | ".join(rules)


def p_clause_expr(p):
    p[0] = p[1] if len(p) == 2 else A.BinaryExpr(op=_OP_TEXT[p.slice[2].type], lhs=p[1], rhs=p[3])


p_clause_expr.__doc__ = (_clause_expr_rules("fill_expr", "fill_head") + "\n"
                         + _clause_expr_rules("tz_expr", "tz_head"))


def p_clause_head_call(p):
    """fill_head : FILLCALL LPAREN call_args RPAREN
       tz_head : TZCALL LPAREN call_args RPAREN"""
    p[0] = A.Call(name=p[1].lower(), args=p[3])


def p_clause_head_ref(p):
    """fill_head : fill_segments
                 | fill_segments DOUBLECOLON ident
                 | fill_segments DOUBLECOLON FIELD
                 | fill_segments DOUBLECOLON TAG
       tz_head : tz_segments
               | tz_segments DOUBLECOLON ident
               | tz_segments DOUBLECOLON FIELD
               | tz_segments DOUBLECOLON TAG
       fill_segments : FILLID
                     | fill_segments dots ident
       tz_segments : TZID
                   | tz_segments dots ident"""
    if len(p) == 4 and p.slice[2].type == "DOUBLECOLON" and p.slice[3].type not in ("FIELD", "TAG"):
        _cast_type(p, 3)  # Go reads the name as any variable first: its cast must be a type
    p[0] = A.VarRef(val=str(p[1]))  # only ever rejected: "fill / tz must be a function call"


def p_fill_clause(p):
    """fill_clause : fill_expr"""
    if not isinstance(p[1], A.Call):
        raise ParseError("fill must be a function call")
    args = p[1].args
    if len(args) != 1:
        raise ParseError("fill requires an argument, e.g.: 0, null, none, previous, linear")
    arg = args[0]
    keyword = {"null": A.FillOption.NullFill, "none": A.FillOption.NoFill,
               "previous": A.FillOption.PreviousFill, "linear": A.FillOption.LinearFill}.get(str(arg))
    if keyword is not None:
        p[0] = (keyword, None)
    elif isinstance(arg, (A.IntegerLiteral, A.NumberLiteral)):
        p[0] = (A.FillOption.NumberFill, arg.val)
    else:
        raise ParseError("expected number argument in fill()")


def p_tz_opt(p):
    """tz_opt :
              | tz_expr"""
    if len(p) == 1:
        p[0] = None
        return
    if not isinstance(p[1], A.Call):
        raise ParseError("tz must be a function call")
    args = p[1].args
    if len(args) != 1:
        raise ParseError("tz requires exactly one argument")
    if not isinstance(args[0], A.StringLiteral):
        raise ParseError("expected string argument in tz()")
    p[0] = check_time_zone(args[0].val)


def check_time_zone(name: str) -> str:
    """The zone name if Go's ``time.LoadLocation`` knows it ("" and "UTC" are UTC)."""
    if name in ("", "UTC", "Local"):
        return name or "UTC"
    bad = ParseError(f"unable to find time zone {name}")
    if name.startswith("/") or ".." in name or "\\" in name:
        raise bad
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise bad from None
    return name


def p_order_by_opt(p):
    """order_by_opt :
                    | ORDER BY sort_fields"""
    if len(p) == 1:
        p[0] = []
        return
    fields = p[3]
    if len(fields) > 1:
        raise ParseError("only ORDER BY time supported at this time")
    p[0] = fields


def p_sort_fields_first_dir(p):
    """sort_fields : ASC
                   | DESC"""
    p[0] = [A.SortField(ascending=p.slice[1].type == "ASC")]


def p_sort_fields_first_field(p):
    """sort_fields : sort_field"""
    if p[1].name != "time":
        raise ParseError("only ORDER BY time supported at this time")
    p[0] = [p[1]]


def p_sort_fields_more(p):
    """sort_fields : sort_fields COMMA sort_field"""
    p[0] = p[1] + [p[3]]


def p_sort_field(p):
    """sort_field : ident
                  | ident ASC
                  | ident DESC"""
    p[0] = A.SortField(name=p[1], ascending=len(p) == 2 or p.slice[2].type == "ASC")


def _optional_int(p, keyword: str) -> int:
    if len(p) == 1:
        return 0
    n = int(p[2])
    return min(n, INT64_MAX)


def p_limit_opt(p):
    """limit_opt :
                 | LIMIT INTEGER"""
    p[0] = _optional_int(p, "LIMIT")


def p_offset_opt(p):
    """offset_opt :
                  | OFFSET INTEGER"""
    p[0] = _optional_int(p, "OFFSET")


def p_slimit_opt(p):
    """slimit_opt :
                  | SLIMIT INTEGER"""
    p[0] = _optional_int(p, "SLIMIT")


def p_soffset_opt(p):
    """soffset_opt :
                   | SOFFSET INTEGER"""
    p[0] = _optional_int(p, "SOFFSET")


# ---- expressions ---------------------------------------------------------------------------------------

def p_expr_binary(p):
    """expr : expr OR expr
            | expr AND expr
            | expr EQ expr
            | expr NEQ expr
            | expr LT expr
            | expr LTE expr
            | expr GT expr
            | expr GTE expr
            | expr ADD expr
            | expr SUB expr
            | expr BITWISE_OR expr
            | expr BITWISE_XOR expr
            | expr MUL expr
            | expr DIV expr
            | expr MOD expr
            | expr BITWISE_AND expr"""
    p[0] = A.BinaryExpr(op=_OP_TEXT[p.slice[2].type], lhs=p[1], rhs=p[3])


def p_expr_regex_op(p):
    """expr : expr EQREGEX regex_operand
            | expr NEQREGEX regex_operand"""
    p[0] = A.BinaryExpr(op=_OP_TEXT[p.slice[2].type], lhs=p[1], rhs=p[3])


# A regex is a value only right after =~ / !~ (Go parses it there, then keeps reading operators): operators
# binding tighter than a comparison extend it, so ``a =~ /x/ + 1`` is ``a =~ (/x/ + 1)`` as in Go.


def p_regex_operand(p):
    p[0] = p[1] if len(p) == 2 else A.BinaryExpr(op=_OP_TEXT[p.slice[2].type], lhs=p[1], rhs=p[3])


p_regex_operand.__doc__ = "regex_operand : regex\n" + "".join(
    f"              | regex_operand {op} expr\n" for op in _TIGHT_OPS)


def p_expr_unary(p):
    """expr : unary"""
    p[0] = p[1]


def p_unary_paren(p):
    """unary : LPAREN expr RPAREN"""
    p[0] = A.ParenExpr(expr=p[2])


def p_unary_pass(p):
    """unary : call
             | var_ref
             | wildcard"""
    p[0] = p[1]


def p_unary_param_regex(p):
    """unary : PARAMREGEX"""
    p[0] = _regex_literal(_tok(p, 1))


def p_unary_string(p):
    """unary : STRING"""
    p[0] = A.StringLiteral(val=p[1])


def p_unary_number(p):
    """unary : NUMBER"""
    p[0] = A.NumberLiteral(val=float(p[1]))


def p_unary_integer(p):
    """unary : INTEGER"""
    p[0] = _integer_literal(_tok(p, 1))


def _integer_literal(tok: L.Token):
    n = int(tok.value)
    if n <= INT64_MAX:
        return A.IntegerLiteral(val=n)
    if n <= UINT64_MAX:
        return A.UnsignedLiteral(val=n)
    raise ParseError.at("unable to parse integer", tok.pos)


def p_unary_bool(p):
    """unary : TRUE
             | FALSE"""
    p[0] = A.BooleanLiteral(val=p.slice[1].type == "TRUE")


def p_unary_duration(p):
    """unary : DURATIONVAL"""
    p[0] = A.DurationLiteral(val=_duration_value(p[1]))


def _duration_value(text: str) -> int:
    try:
        return L.parse_duration(text)
    except L.DurationError as err:
        raise ParseError(str(err)) from None


def p_unary_distinct(p):
    """unary : DISTINCT IDENT
             | DISTINCT FILLID
             | DISTINCT TZID"""
    if not _tok(p, 2).spaced:  # "DISTINCT$name": Go wants "(" or whitespace right after DISTINCT
        raise _unexpected(_tok(p, 2), ["(", "identifier"])
    p[0] = A.Distinct(val=p[2])


def p_unary_param(p):
    """unary : BOUNDPARAM"""
    name = p[1][1:] if p[1].startswith("$") else p[1]
    if not name:
        raise ParseError("empty bound parameter")
    bound = p.lexer.params.get(name)
    if bound is None:
        raise ParseError(f"missing parameter: {name}")
    raise ParseError(bound.value)


def p_unary_signed(p):
    """unary : SUB signed
             | ADD signed"""
    negative = p.slice[1].type == "SUB"
    value = p[2]
    if isinstance(value, L.Token):  # an INTEGER token
        n = int(value.value)
        if negative:
            if n > INT64_MAX + 1:
                if n <= UINT64_MAX:
                    raise ParseError(f"constant -{n} underflows int64")
                raise ParseError.at("unable to parse integer", value.pos)
            p[0] = A.IntegerLiteral(val=-n)
        else:
            p[0] = _integer_literal(value)
    elif isinstance(value, A.NumberLiteral):
        p[0] = A.NumberLiteral(val=-value.val if negative else value.val)
    elif isinstance(value, A.DurationLiteral):
        p[0] = A.DurationLiteral(val=-value.val if negative else value.val)
    else:
        p[0] = A.BinaryExpr(op="*", lhs=A.IntegerLiteral(val=-1 if negative else 1), rhs=value)


def p_signed(p):
    """signed : NUMBER
              | DURATIONVAL
              | INTEGER
              | LPAREN expr RPAREN
              | var_ref
              | call"""
    kind = p.slice[1].type
    if kind == "NUMBER":
        p[0] = A.NumberLiteral(val=float(p[1]))
    elif kind == "DURATIONVAL":
        p[0] = A.DurationLiteral(val=_duration_value(p[1]))
    elif kind == "INTEGER":
        p[0] = _tok(p, 1)
    elif kind == "LPAREN":
        p[0] = A.ParenExpr(expr=p[2])
    else:
        p[0] = p[1]


def p_wildcard(p):
    """wildcard : MUL
                | MUL DOUBLECOLON FIELD
                | MUL DOUBLECOLON TAG"""
    p[0] = A.Wildcard(type=p.slice[3].type if len(p) == 4 else "")


_CAST_TYPES = {"float": A.DataType.Float, "integer": A.DataType.Integer, "unsigned": A.DataType.Unsigned,
               "string": A.DataType.String, "boolean": A.DataType.Boolean}


def p_var_ref(p):
    """var_ref : segments
               | segments DOUBLECOLON FIELD
               | segments DOUBLECOLON TAG
               | segments DOUBLECOLON IDENT
               | segments DOUBLECOLON FILLID
               | segments DOUBLECOLON TZID"""
    _check_segments(p[1])  # (Go checks them as it reads them, before anything after the name)
    dtype = A.DataType.Unknown
    if len(p) == 4:
        kind = p.slice[3].type
        if kind == "FIELD":
            dtype = A.DataType.AnyField
        elif kind == "TAG":
            dtype = A.DataType.Tag
        else:
            dtype = _cast_type(p, 3)
    p[0] = A.VarRef(val=".".join(p[1]), type=dtype)


def _cast_type(p, index: int) -> A.DataType:
    """The type named after ``::`` (a word the lexer did not make FIELD or TAG), or Go's refusal."""
    dtype = _CAST_TYPES.get(str(p[index]).lower())
    if dtype is None:
        tok = _tok(p, index)
        if not hasattr(tok, "found"):  # a nonterminal (``ident``): the token after the last "::"
            tokens = p.lexer.tokens
            tok = tokens[max(i for i, t in enumerate(tokens) if t.type == "DOUBLECOLON") + 1]
        raise _unexpected(tok, ["float", "integer", "unsigned", "string", "boolean", "field", "tag"])
    return dtype


def p_call(p):
    """call : call_name LPAREN call_args RPAREN"""
    p[0] = A.Call(name=p[1].lower(), args=p[3])


def p_call_name(p):
    """call_name : CALLNAME
                 | FILLCALL
                 | TZCALL"""
    p[0] = p[1]


def p_call_args(p):
    """call_args :
                 | arg_list"""
    p[0] = p[1] if len(p) == 2 else []


def p_arg_list(p):
    """arg_list : expr
                | regex
                | arg_list COMMA expr
                | arg_list COMMA regex"""
    p[0] = [p[1]] if len(p) == 2 else p[1] + [p[3]]


# ---- DELETE / DROP ---------------------------------------------------------------------------------------

def _no_db_or_rp(sources: list) -> None:
    err = None
    for m in sources:
        if isinstance(m, A.Measurement):
            if m.database:
                err = "database not supported"
            if m.retention_policy:
                err = "retention policy not supported"
    if err:
        raise ParseError.at(err)


def p_delete_stmt(p):
    """delete_stmt : DELETE series_filter"""
    sources, condition = p[2]
    p[0] = A.DeleteSeriesStatement(sources=sources, condition=condition)


def p_series_filter(p):
    """series_filter : series_sources
                     | series_sources WHERE expr
                     | WHERE expr"""
    if p.slice[1].type == "WHERE":
        p[0] = ([], p[2])
        return
    p[0] = (p[1], p[3] if len(p) == 4 else None)


def p_series_sources(p):
    """series_sources : FROM plain_sources"""
    _no_db_or_rp(p[2])  # checked before the WHERE clause is read, as Go does
    p[0] = p[2]


def p_drop_stmt(p):
    """drop_stmt : DROP drop_what"""
    p[0] = p[2]


def p_drop_series(p):
    """drop_what : SERIES series_filter"""
    sources, condition = p[2]
    p[0] = A.DropSeriesStatement(sources=sources, condition=condition)


def p_drop_simple(p):
    """drop_what : DATABASE ident
                 | MEASUREMENT ident
                 | USER ident"""
    kind = {"DATABASE": A.DropDatabaseStatement, "MEASUREMENT": A.DropMeasurementStatement,
            "USER": A.DropUserStatement}[p.slice[1].type]
    p[0] = kind(name=p[2])


def p_drop_shard(p):
    """drop_what : SHARD uint_arg"""
    p[0] = A.DropShardStatement(id=p[2])


def p_drop_rp(p):
    """drop_what : RETENTION POLICY ident ON ident"""
    p[0] = A.DropRetentionPolicyStatement(name=p[3], database=p[5])


def p_drop_cq(p):
    """drop_what : CONTINUOUS QUERY ident ON ident"""
    p[0] = A.DropContinuousQueryStatement(name=p[3], database=p[5])


def p_drop_subscription(p):
    """drop_what : SUBSCRIPTION ident ON ident DOT ident"""
    p[0] = A.DropSubscriptionStatement(name=p[2], database=p[4], retention_policy=p[6])


# ---- CREATE ----------------------------------------------------------------------------------------------

def p_create_stmt(p):
    """create_stmt : CREATE create_what"""
    p[0] = p[2]


def p_create_database(p):
    """create_what : DATABASE ident
                   | DATABASE ident WITH db_rp_options"""
    stmt = A.CreateDatabaseStatement(name=p[2])
    if len(p) == 5:
        duration, replication, shard, name = p[4]
        stmt.retention_policy_create = True
        stmt.retention_policy_duration = duration
        stmt.retention_policy_replication = replication
        stmt.retention_policy_shard_group_duration = shard or 0
        stmt.retention_policy_name = name or ""
    p[0] = stmt


def p_db_rp_options(p):
    """db_rp_options : db_duration db_replication_opt db_shard_opt db_name_opt
                     | db_replication db_shard_opt db_name_opt
                     | db_shard db_name_opt
                     | db_name"""
    values = list(p[1:])
    p[0] = tuple([None] * (4 - len(values)) + values)


def p_db_duration(p):
    """db_duration : DURATION duration_arg"""
    p[0] = p[2]


def p_db_replication(p):
    """db_replication : REPLICATION int_arg"""
    p[0] = p[2]


def p_db_shard(p):
    """db_shard : SHARD DURATION duration_arg"""
    p[0] = p[3]


def p_db_name(p):
    """db_name : NAME ident"""
    p[0] = p[2]


def p_db_optional(p):
    """db_replication_opt :
                          | db_replication
       db_shard_opt :
                    | db_shard
       db_name_opt :
                   | db_name"""
    p[0] = p[1] if len(p) == 2 else None


def p_create_rp(p):
    """create_what : RETENTION POLICY ident ON ident rp_duration rp_replication rp_shard_opt rp_default_opt"""
    p[0] = A.CreateRetentionPolicyStatement(name=p[3], database=p[5], duration=p[6], replication=p[7],
                                            shard_group_duration=p[8], default=p[9])


def p_rp_duration(p):
    """rp_duration : DURATION duration_arg
       rp_replication : REPLICATION int_arg"""
    p[0] = p[2]


def p_rp_shard_opt(p):
    """rp_shard_opt :
                    | SHARD DURATION shard_duration_arg"""
    p[0] = p[3] if len(p) == 4 else 0


def p_rp_default_opt(p):
    """rp_default_opt :
                      | DEFAULT"""
    p[0] = len(p) == 2


def p_create_user(p):
    """create_what : USER ident WITH PASSWORD STRING
                   | USER ident WITH PASSWORD STRING WITH ALL PRIVILEGES"""
    p[0] = A.CreateUserStatement(name=p[2], password=p[5], admin=len(p) == 9)


def p_create_subscription(p):
    """create_what : SUBSCRIPTION ident ON ident DOT ident DESTINATIONS sub_mode string_list"""
    p[0] = A.CreateSubscriptionStatement(name=p[2], database=p[4], retention_policy=p[6], mode=p[8],
                                         destinations=p[9])


def p_sub_mode(p):
    """sub_mode : ALL
                | ANY"""
    p[0] = p.slice[1].type


def p_create_cq(p):
    """create_what : CONTINUOUS QUERY ident ON ident resample_opt BEGIN cq_select END"""
    every, for_ = p[6]
    stmt = A.CreateContinuousQueryStatement(name=p[3], database=p[5], source=p[8], resample_every=every,
                                            resample_for=for_)
    interval = _group_by_interval(p[8])
    if for_ != 0:
        if every != 0 and every > interval:
            interval = every
        if interval > for_:
            raise ParseError("FOR duration must be >= GROUP BY time duration: must be a minimum of "
                             f"{format_duration(interval)}, got {format_duration(for_)}")
    p[0] = stmt


def p_cq_select(p):
    """cq_select : SELECT fields into FROM sources select_tail"""
    stmt = _build_select(p[2], p[3], dict(sources=p[5], **p[6]))
    if not stmt.is_raw_query:
        try:
            interval = _group_by_interval(stmt)
            problem = ""
        except ParseError as err:
            interval, problem = 0, str(err)
        if interval == 0 or problem:
            expected = ["GROUP BY time(...)"] + ([problem] if problem else [])
            # Go backs up over the lookahead and reports (about) the select's last token
            raise _unexpected(p.lexer.rewound_token(), expected)
    p[0] = stmt


def _group_by_interval(stmt: A.SelectStatement) -> int:
    for d in stmt.dimensions:
        if isinstance(d.expr, A.Call) and d.expr.name == "time":
            if not 1 <= len(d.expr.args) <= 2:
                raise ParseError("time dimension expected 1 or 2 arguments")
            if not isinstance(d.expr.args[0], A.DurationLiteral):
                raise ParseError("time dimension must have duration argument")
            return d.expr.args[0].val
    return 0


def p_resample_opt(p):
    """resample_opt :
                    | RESAMPLE resample_every_opt resample_for_opt"""
    if len(p) == 1:
        p[0] = (0, 0)
        return
    (every, every_tok), (for_, for_tok) = p[2], p[3]
    if every == 0 and for_ == 0:
        # after "FOR <duration>" the parser reduces without reading on: then read the next token here
        last = for_tok or every_tok
        raise _unexpected(p.lexer.peek() if p.lexer.tokens[-1] is last else p.lexer.tokens[-1],
                          ["EVERY", "FOR"])
    p[0] = (every, for_)


def p_resample_every_opt(p):
    """resample_every_opt :
                          | EVERY DURATIONVAL
       resample_for_opt :
                        | FOR DURATIONVAL"""
    p[0] = (_duration_at(_tok(p, 2)), _tok(p, 2)) if len(p) == 3 else (0, None)


# ---- SHOW ----------------------------------------------------------------------------------------------

def p_show_stmt(p):
    """show_stmt : SHOW show_what"""
    p[0] = p[2]


def p_show_simple(p):
    """show_what : CONTINUOUS QUERIES
                 | DATABASES
                 | QUERIES
                 | SHARD GROUPS
                 | SHARDS
                 | SUBSCRIPTIONS
                 | USERS"""
    kind = {"CONTINUOUS": A.ShowContinuousQueriesStatement, "DATABASES": A.ShowDatabasesStatement,
            "QUERIES": A.ShowQueriesStatement, "SHARD": A.ShowShardGroupsStatement,
            "SHARDS": A.ShowShardsStatement, "SUBSCRIPTIONS": A.ShowSubscriptionsStatement,
            "USERS": A.ShowUsersStatement}[p.slice[1].type]
    p[0] = kind()


def p_show_module(p):
    """show_what : DIAGNOSTICS module_opt
                 | STATS module_opt"""
    kind = A.ShowDiagnosticsStatement if p.slice[1].type == "DIAGNOSTICS" else A.ShowStatsStatement
    p[0] = kind(module=p[2])


def p_module_opt(p):
    """module_opt :
                  | FOR STRING"""
    p[0] = p[2] if len(p) == 3 else ""


def p_show_grants(p):
    """show_what : GRANTS FOR ident"""
    p[0] = A.ShowGrantsForUserStatement(name=p[3])


def p_show_rps(p):
    """show_what : RETENTION POLICIES on_db_opt"""
    p[0] = A.ShowRetentionPoliciesStatement(database=p[3])


def p_from_opt(p):
    """from_opt :
                | FROM plain_sources"""
    p[0] = p[2] if len(p) == 3 else []


def p_show_series(p):
    """show_what : SERIES show_series_tail
                 | SERIES EXACT show_series_tail"""
    p[0] = p[len(p) - 1]


def p_show_series_tail(p):
    """show_series_tail : on_db_opt from_opt where_opt order_by_opt limit_opt offset_opt"""
    p[0] = A.ShowSeriesStatement(database=p[1], sources=p[2], condition=p[3], sort_fields=p[4], limit=p[5],
                                 offset=p[6])


def p_cardinality_tail(p):
    """cardinality_tail : on_db_opt from_opt where_opt group_by_opt limit_opt offset_opt"""
    p[0] = dict(database=p[1], sources=p[2], condition=p[3], dimensions=p[4], limit=p[5], offset=p[6])


def p_show_series_cardinality(p):
    """show_what : SERIES CARDINALITY cardinality_tail
                 | SERIES EXACT CARDINALITY cardinality_tail"""
    p[0] = A.ShowSeriesCardinalityStatement(exact=len(p) == 5, **p[len(p) - 1])


def p_show_measurement_cardinality(p):
    """show_what : MEASUREMENT CARDINALITY cardinality_tail
                 | MEASUREMENT EXACT CARDINALITY cardinality_tail"""
    p[0] = A.ShowMeasurementCardinalityStatement(exact=len(p) == 5, **p[len(p) - 1])


def p_show_key_cardinality(p):
    """show_what : TAG KEY CARDINALITY cardinality_tail
                 | TAG KEY EXACT CARDINALITY cardinality_tail
                 | FIELD KEY CARDINALITY cardinality_tail
                 | FIELD KEY EXACT CARDINALITY cardinality_tail"""
    tag = p.slice[1].type == "TAG"
    kind = A.ShowTagKeyCardinalityStatement if tag else A.ShowFieldKeyCardinalityStatement
    p[0] = kind(exact=len(p) == 6, **p[len(p) - 1])


def p_show_measurements(p):
    """show_what : MEASUREMENTS on_db_opt with_measurement_opt where_opt order_by_opt limit_offset"""
    limit, offset = p[6]
    p[0] = A.ShowMeasurementsStatement(database=p[2], source=p[3], condition=p[4], sort_fields=p[5],
                                       limit=limit, offset=offset)


def p_with_measurement_opt(p):
    """with_measurement_opt :
                            | WITH MEASUREMENT EQ plain_source
                            | WITH MEASUREMENT EQREGEX plain_source"""
    p[0] = p[4] if len(p) == 5 else None


def p_show_tag_keys(p):
    """show_what : TAG KEYS on_db_opt from_opt where_opt order_by_opt limit_offset slimit_soffset"""
    (limit, offset), (slimit, soffset) = p[7], p[8]
    p[0] = A.ShowTagKeysStatement(database=p[3], sources=p[4], condition=p[5], sort_fields=p[6], limit=limit,
                                  offset=offset, slimit=slimit, soffset=soffset)


def p_show_tag_values(p):
    """show_what : TAG VALUES on_db_opt from_opt tag_key_expr where_opt order_by_opt limit_offset"""
    op, expr = p[5]
    limit, offset = p[8]
    p[0] = A.ShowTagValuesStatement(database=p[3], sources=p[4], op=op, tag_key_expr=expr, condition=p[6],
                                    sort_fields=p[7], limit=limit, offset=offset)


def p_show_tag_values_cardinality(p):
    """show_what : TAG VALUES CARDINALITY tag_values_cardinality_tail
                 | TAG VALUES EXACT CARDINALITY tag_values_cardinality_tail"""
    p[0] = A.ShowTagValuesCardinalityStatement(exact=len(p) == 6, **p[len(p) - 1])


def p_tag_values_cardinality_tail(p):
    """tag_values_cardinality_tail : on_db_opt from_opt tag_key_expr where_opt group_by_opt limit_offset"""
    op, expr = p[3]
    limit, offset = p[6]
    p[0] = dict(database=p[1], sources=p[2], op=op, tag_key_expr=expr, condition=p[4], dimensions=p[5],
                limit=limit, offset=offset)


def p_tag_key_expr(p):
    """tag_key_expr : WITH KEY IN LPAREN ident_list RPAREN
                    | WITH KEY EQ ident
                    | WITH KEY NEQ ident
                    | WITH KEY EQREGEX regex
                    | WITH KEY NEQREGEX regex"""
    kind = p.slice[3].type
    if kind == "IN":
        p[0] = ("IN", A.ListLiteral(vals=p[5]))
    elif kind in ("EQ", "NEQ"):
        p[0] = (_OP_TEXT[kind], A.StringLiteral(val=p[4]))
    else:
        p[0] = (_OP_TEXT[kind], p[4])


def p_show_field_keys(p):
    """show_what : FIELD KEYS on_db_opt from_opt order_by_opt limit_opt offset_opt"""
    p[0] = A.ShowFieldKeysStatement(database=p[3], sources=p[4], sort_fields=p[5], limit=p[6], offset=p[7])


# ---- EXPLAIN, users and privileges, ALTER, SET, KILL ------------------------------------------------------

def p_explain_stmt(p):
    """explain_stmt : EXPLAIN select_stmt
                    | EXPLAIN ANALYZE select_stmt"""
    p[0] = A.ExplainStatement(statement=p[len(p) - 1], analyze=len(p) == 4)


def p_privilege(p):
    """privilege : READ
                 | WRITE"""
    p[0] = A.Privilege.ReadPrivilege if p.slice[1].type == "READ" else A.Privilege.WritePrivilege


def p_all_privileges(p):
    """all_privileges : ALL
                      | ALL PRIVILEGES"""


def p_grant_stmt(p):
    """grant_stmt : GRANT privilege ON ident TO ident
                  | GRANT all_privileges ON ident TO ident"""
    priv = p[2] if p[2] is not None else A.Privilege.AllPrivileges
    p[0] = A.GrantStatement(privilege=priv, on=p[4], user=p[6])


def p_grant_admin(p):
    """grant_stmt : GRANT all_privileges TO ident"""
    p[0] = A.GrantAdminStatement(user=p[4])


def p_revoke_stmt(p):
    """revoke_stmt : REVOKE privilege ON ident FROM ident
                   | REVOKE all_privileges ON ident FROM ident"""
    priv = p[2] if p[2] is not None else A.Privilege.AllPrivileges
    p[0] = A.RevokeStatement(privilege=priv, on=p[4], user=p[6])


def p_revoke_admin(p):
    """revoke_stmt : REVOKE all_privileges FROM ident"""
    p[0] = A.RevokeAdminStatement(user=p[4])


def p_alter_stmt(p):
    """alter_stmt : ALTER RETENTION POLICY rp_name ON ident alter_options"""
    stmt = A.AlterRetentionPolicyStatement(name=p[4], database=p[6])
    for kind, value, _keyword in p[7]:
        if kind == "DURATION":
            stmt.duration = value
        elif kind == "REPLICATION":
            stmt.replication = value
        elif kind == "SHARD":
            stmt.shard_group_duration = value
        else:
            stmt.default = True
    p[0] = stmt


def p_rp_name(p):
    """rp_name : IDENT
               | FILLID
               | TZID
               | DEFAULT"""
    p[0] = "default" if p.slice[1].type == "DEFAULT" else p[1]


def p_alter_options(p):
    """alter_options : alter_option
                     | alter_options alter_option"""
    if len(p) == 2:
        p[0] = [p[1]]
        return
    kind, _value, tok = p[2]
    if any(k == kind for k, *_ in p[1]):
        raise ParseError.at(f"found duplicate {kind} option", tok.pos)
    p[0] = p[1] + [p[2]]


def p_alter_option(p):
    """alter_option : DURATION duration_arg
                    | REPLICATION int_arg
                    | SHARD DURATION shard_duration_arg
                    | DEFAULT"""
    kind = p.slice[1].type
    value = None if kind == "DEFAULT" else p[len(p) - 1]
    p[0] = (kind, value, _tok(p, 1))


def p_set_password_stmt(p):
    """set_password_stmt : SET PASSWORD FOR ident EQ STRING"""
    p[0] = A.SetPasswordUserStatement(name=p[4], password=p[6])


def p_kill_stmt(p):
    """kill_stmt : KILL QUERY uint_arg
                 | KILL QUERY uint_arg ON ident"""
    p[0] = A.KillQueryStatement(query_id=p[3], host=p[5] if len(p) == 6 else "")


def p_error(tok):
    # parser.py installs the real handler (it needs the parser's state stack); this one never runs.
    raise ParseError("syntax error")


# ---- tables ----------------------------------------------------------------------------------------------

_HERE = os.path.dirname(os.path.abspath(__file__))


def _module():
    return __import__(__name__, fromlist=["p_top"])


def table_signature() -> str:
    """The signature PLY gives this grammar (``parsetab._lr_signature`` must equal it)."""
    pdict = {k: getattr(_module(), k) for k in dir(_module())}
    pdict["start"] = "top"
    info = yacc.ParserReflect(pdict, log=yacc.NullLogger())
    info.get_all()
    return info.signature()


def build(write_tables: bool = False):
    """The LALR parser; loads ``parsetab.py`` (or, when writing, regenerates it)."""
    return yacc.yacc(
        module=_module(),
        start="top",
        tabmodule="chronus.influxql.parsetab",
        outputdir=_HERE,
        write_tables=write_tables,
        debug=False,
        optimize=not write_tables,
        errorlog=yacc.NullLogger(),
    )


if __name__ == "__main__":
    build(write_tables=True)
    print(f"wrote {os.path.join(_HERE, 'parsetab.py')}")
