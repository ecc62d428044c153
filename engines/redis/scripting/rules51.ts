// The few places where Lua 5.1's grammar is stricter than the 5.3 parser that compiles our
// scripts, checked on the token stream as each token becomes current (where 5.1's parser raises
// them): `break` outside a loop ("no loop to break") or not last in its block, an empty statement
// (`;` at a block's start or after another), and a call's '(' on a new line ("ambiguous syntax").
// Valid 5.1 code never trips them; the block stack is exact for it.

export interface Tokens {
  readonly BREAK: number;
  readonly DO: number;
  readonly ELSE: number;
  readonly ELSEIF: number;
  readonly END: number;
  readonly EOS: number;
  readonly FOR: number;
  readonly FUNCTION: number;
  readonly IF: number;
  readonly LOCAL: number;
  readonly NAME: number;
  readonly REPEAT: number;
  readonly RETURN: number;
  readonly STRING: number;
  readonly THEN: number;
  readonly UNTIL: number;
  readonly WHILE: number;
}

interface Block {
  /** The keyword that opened it (what "to close" names), and its line. */
  opener: number;
  line: number;
  loop: boolean;
  /** A while/for whose `do` is still to come. */
  awaitingDo: boolean;
  /** Its `return` came: what follows is the block's end, which both parsers check alike. */
  returned: boolean;
}

/** The message 5.1's parser raises ("near" the current token follows it). */
export type Violation = { message: string } | null;

export class Rules51 {
  private readonly blocks: Block[] = [];
  private previous = 0;
  private previousEndsPrefix = false;
  /** Of each open '{': whether it is a call's argument (`f{...}`), so its '}' ends a prefix expression. */
  private readonly braces: boolean[] = [];
  private localNames = false;
  private functionHeader = false;
  private inParams = false;
  private paramsClosed = false;
  private mainReturned = false;
  private afterBreak = false;
  private breakSemicolon = false;

  constructor(
    private readonly tk: Tokens,
    private readonly tokenText: (t: number) => string,
  ) {}

  /**
   * `token` became current at `line`; `sameLine` is whether it starts on the line where the
   * previous one ended. Returns 5.1's error with this token current, if any.
   */
  next(token: number, line: number, sameLine: boolean): Violation {
    const tk = this.tk;
    const violation = this.check(token, line, sameLine);
    if (violation !== null) return violation;
    let endsPrefix = false;
    this.paramsClosed = false;
    switch (token) {
      case tk.WHILE:
      case tk.FOR:
        this.blocks.push({ opener: token, line, loop: true, awaitingDo: true, returned: false });
        break;
      case tk.DO: {
        const top = this.blocks[this.blocks.length - 1];
        if (top?.awaitingDo === true) top.awaitingDo = false;
        else this.blocks.push({ opener: token, line, loop: false, awaitingDo: false, returned: false });
        break;
      }
      case tk.IF:
        this.blocks.push({ opener: token, line, loop: false, awaitingDo: false, returned: false });
        break;
      case tk.FUNCTION:
        this.blocks.push({ opener: token, line, loop: false, awaitingDo: false, returned: false });
        this.functionHeader = true;
        break;
      case tk.REPEAT:
        this.blocks.push({ opener: token, line, loop: true, awaitingDo: false, returned: false });
        break;
      case tk.END:
      case tk.UNTIL:
        this.blocks.pop();
        break;
      case tk.NAME:
        endsPrefix = !this.localNames && !this.functionHeader;
        break;
      case tk.STRING:
        endsPrefix = this.previousEndsPrefix;
        break;
      case 93: // ']'
        endsPrefix = true;
        break;
      case 40: // '('
        if (this.functionHeader) {
          this.functionHeader = false;
          this.inParams = true;
        }
        break;
      case 41: // ')'
        if (this.inParams) {
          this.inParams = false;
          this.paramsClosed = true;
        } else endsPrefix = true;
        break;
      case 123: // '{'
        this.braces.push(this.previousEndsPrefix);
        break;
      case 125: // '}'
        endsPrefix = this.braces.pop() ?? false;
        break;
    }
    if (token === tk.LOCAL) this.localNames = true;
    else if (token !== tk.NAME && token !== 44) this.localNames = false;
    if (this.afterBreak) {
      this.afterBreak = false;
      this.breakSemicolon = token === 59;
    } else this.breakSemicolon = false;
    if (token === tk.BREAK) this.afterBreak = true;
    if (token === tk.RETURN) {
      const top = this.blocks[this.blocks.length - 1];
      if (top === undefined) this.mainReturned = true;
      else top.returned = true;
    }
    this.previous = token;
    this.previousEndsPrefix = endsPrefix;
    return null;
  }

  private check(token: number, line: number, sameLine: boolean): Violation {
    const tk = this.tk;
    if (this.afterBreak && !this.inLoop()) return { message: 'no loop to break' };
    if ((this.afterBreak && token !== 59) || this.breakSemicolon) {
      if (token !== tk.ELSE && token !== tk.ELSEIF && token !== tk.END && token !== tk.UNTIL && token !== tk.EOS) return this.unclosed(line);
    }
    if (token === 59) {
      const p = this.previous;
      const blockStart = p === 0 || p === tk.DO || p === tk.THEN || p === tk.ELSE || p === tk.REPEAT || (p === 41 && this.paramsClosed);
      const returned = this.blocks[this.blocks.length - 1]?.returned ?? this.mainReturned;
      if (blockStart || (p === 59 && this.braces.length === 0 && !returned)) return { message: 'unexpected symbol' };
    }
    if (token === 40 && !sameLine && this.previousEndsPrefix) return { message: 'ambiguous syntax (function call x new statement)' };
    return null;
  }

  /** Whether a `break` here is inside a loop of the same function. */
  private inLoop(): boolean {
    for (let i = this.blocks.length - 1; i >= 0; i--) {
      const b = this.blocks[i] as Block;
      if (b.opener === this.tk.FUNCTION) return false;
      if (b.loop && !b.awaitingDo) return true;
    }
    return false;
  }

  /** What the block enclosing a `break` that is not its last statement says of the token after it. */
  private unclosed(line: number): Violation {
    const b = this.blocks[this.blocks.length - 1];
    if (b === undefined) return { message: "'<eof>' expected" };
    const want = b.opener === this.tk.REPEAT ? "'until'" : "'end'";
    if (b.line === line) return { message: `${want} expected` };
    return { message: `${want} expected (to close '${this.tokenText(b.opener)}' at line ${b.line})` };
  }
}
