/**
 * The WHATWG-style event layer of `WebSocket`, with the semantics of
 * `ws` 8.23 (`lib/event-target.js`): the `Event`, `CloseEvent`, `ErrorEvent`
 * and `MessageEvent` classes, the `addEventListener` / `removeEventListener`
 * mixin, and the `onopen` / `onerror` / `onclose` / `onmessage` attributes.
 *
 * Everything is built on the host's `EventEmitter` events: a listener added
 * with `addEventListener` is an ordinary emitter listener (a wrapper that
 * builds the event object), so it interleaves with `on()` listeners in
 * registration order, exactly as in `ws`.
 *
 * @module
 */

import type { EventEmitter } from 'node:events';

/** Marks a wrapper that backs an `on<event>` attribute (`ws.onmessage = f`). */
export const kForOnEventAttribute: unique symbol = Symbol('kIsForOnEventAttribute');

/** The user's handler that a wrapper calls (what `listeners()` users see via it). */
export const kListener: unique symbol = Symbol('kListener');

// Private slots of the event objects. Symbols (not `#fields`) because the
// dispatcher in this module sets `target` after construction, as `ws` does.
const kTarget = Symbol('kTarget');
const kType = Symbol('kType');
const kCode = Symbol('kCode');
const kReason = Symbol('kReason');
const kWasClean = Symbol('kWasClean');
const kError = Symbol('kError');
const kMessage = Symbol('kMessage');
const kData = Symbol('kData');

/**
 * The `data` of a `MessageEvent` dispatched by a `WebSocket`: a string for a
 * text message, otherwise the binary data in the form chosen by `binaryType`.
 * Same as `WebSocket.Data` in `@types/ws`.
 */
export type MessageEventData = string | Buffer | ArrayBuffer | Buffer[];

/**
 * A plain event (`'open'`).
 *
 * @typeParam TTarget - the type of `target` (the `WebSocket` that dispatched it)
 */
export class Event<TTarget = unknown> {
  [kTarget]: TTarget | null;
  [kType]: string;

  /**
   * @param type - the name of the event
   */
  constructor(type: string) {
    this[kTarget] = null;
    this[kType] = type;
  }

  /** The object that dispatched the event; `null` until dispatched. */
  get target(): TTarget {
    // `null` only for events the user constructs and never dispatches; the
    // declared type follows `@types/ws`, where `target` is the WebSocket.
    return this[kTarget] as TTarget;
  }

  /** The name of the event. */
  get type(): string {
    return this[kType];
  }
}

/** Options of the `CloseEvent` constructor. */
export interface CloseEventInit {
  /** The close status code (default `0`). */
  code?: number;
  /** The close reason (default `''`). */
  reason?: string;
  /** Whether both close frames were exchanged (default `false`). */
  wasClean?: boolean;
}

/**
 * The event dispatched when the connection closes (`'close'`).
 *
 * @typeParam TTarget - the type of `target`
 */
export class CloseEvent<TTarget = unknown> extends Event<TTarget> {
  [kCode]: number;
  [kReason]: string;
  [kWasClean]: boolean;

  /**
   * @param type - the name of the event
   * @param options - `code`, `reason` and `wasClean`
   */
  constructor(type: string, options: CloseEventInit = {}) {
    super(type);
    this[kCode] = options.code === undefined ? 0 : options.code;
    this[kReason] = options.reason === undefined ? '' : options.reason;
    this[kWasClean] = options.wasClean === undefined ? false : options.wasClean;
  }

  /** The close status code. */
  get code(): number {
    return this[kCode];
  }

  /** The close reason, decoded as UTF-8. */
  get reason(): string {
    return this[kReason];
  }

  /** `true` if a close frame was both sent and received. */
  get wasClean(): boolean {
    return this[kWasClean];
  }
}

/** Options of the `ErrorEvent` constructor. */
export interface ErrorEventInit {
  /** The error (default `null`). */
  error?: unknown;
  /** The error message (default `''`). */
  message?: string;
}

/**
 * The event dispatched when an error occurs (`'error'`).
 *
 * @typeParam TTarget - the type of `target`
 */
export class ErrorEvent<TTarget = unknown> extends Event<TTarget> {
  [kError]: unknown;
  [kMessage]: string;

  /**
   * @param type - the name of the event
   * @param options - `error` and `message`
   */
  constructor(type: string, options: ErrorEventInit = {}) {
    super(type);
    this[kError] = options.error === undefined ? null : options.error;
    this[kMessage] = options.message === undefined ? '' : options.message;
  }

  /**
   * The error that caused the event. Typed `any` like `@types/ws`, so user
   * code can read `event.error.code` without a cast.
   */
  get error(): any {
    return this[kError];
  }

  /** The error message. */
  get message(): string {
    return this[kMessage];
  }
}

/** Options of the `MessageEvent` constructor. */
export interface MessageEventInit {
  /** The message content (default `null`). */
  data?: unknown;
}

/**
 * The event dispatched when a message arrives (`'message'`).
 *
 * @typeParam TTarget - the type of `target`
 */
export class MessageEvent<TTarget = unknown> extends Event<TTarget> {
  [kData]: unknown;

  /**
   * @param type - the name of the event
   * @param options - `data`
   */
  constructor(type: string, options: MessageEventInit = {}) {
    super(type);
    this[kData] = options.data === undefined ? null : options.data;
  }

  /** The message: a string for text, the binary data otherwise. */
  get data(): MessageEventData {
    // Anything may be passed to the constructor (as in `ws`); what a
    // WebSocket dispatches is always a `MessageEventData`.
    return this[kData] as MessageEventData;
  }
}

// `ws` makes the accessors enumerable (class accessors are not), which shows
// in `util.inspect`, `for...in` and object spread of prototypes.
for (const [proto, names] of [
  [Event.prototype, ['target', 'type']],
  [CloseEvent.prototype, ['code', 'reason', 'wasClean']],
  [ErrorEvent.prototype, ['error', 'message']],
  [MessageEvent.prototype, ['data']]
] as const) {
  for (const name of names) {
    Object.defineProperty(proto, name, { enumerable: true });
  }
}

/** The events a `WebSocket` dispatches, by type. */
export interface WebSocketEventMap<TTarget = unknown> {
  open: Event<TTarget>;
  error: ErrorEvent<TTarget>;
  close: CloseEvent<TTarget>;
  message: MessageEvent<TTarget>;
}

/** The event types that `addEventListener` knows; others are ignored. */
export type WebSocketEventType = keyof WebSocketEventMap;

/** A listener: a function, or an object with a `handleEvent` method. */
export type EventListenerLike<E> =
  | ((event: E) => void)
  | { handleEvent(event: E): void };

/** Options of `addEventListener`. */
export interface AddEventListenerOptions {
  /** Remove the listener after its first call. */
  once?: boolean;
  /** Internal: the listener backs an `on<event>` attribute. */
  [kForOnEventAttribute]?: boolean;
}

/**
 * What the mixin needs from the object it is installed on: the
 * `EventEmitter` methods, plus the close-handshake flags from which `ws`
 * computes `CloseEvent.wasClean`. The flags must be readable (public) on the
 * WebSocket; `wasClean` is `_closeFrameReceived && _closeFrameSent`.
 */
export interface EventTargetHost
  extends Pick<EventEmitter, 'listeners' | 'on' | 'once' | 'removeListener'> {
  readonly _closeFrameReceived?: boolean;
  readonly _closeFrameSent?: boolean;
}

/** An emitter listener as seen through `listeners()`, maybe one of ours. */
interface MarkedListener {
  // `any[]`: the parameter type of every `EventEmitter` listener.
  (...args: any[]): void;
  [kListener]?: unknown;
  [kForOnEventAttribute]?: boolean;
}

/** Anything with a UTF-8 `toString()`: a `Buffer` (or an already-string). */
interface Stringable {
  toString(): string;
}

/**
 * Register `handler` for `type` (`'open'`, `'message'`, `'close'` or
 * `'error'`; other types are silently ignored, as in `ws`). Adding the same
 * handler twice for a type is a no-op, except that attribute handlers
 * (`onmessage`) and `addEventListener` handlers never count as duplicates of
 * each other. The handler is called with the WebSocket as `this`; an object
 * handler's `handleEvent` is called with the object as `this`.
 *
 * @param type - the event type
 * @param handler - a function or an object with `handleEvent`
 * @param options - `once: true` removes the listener after its first call
 */
function addEventListener<K extends WebSocketEventType>(
  this: EventTargetHost,
  type: K,
  handler: EventListenerLike<WebSocketEventMap[K]>,
  options?: AddEventListenerOptions
): void;
function addEventListener(
  this: EventTargetHost,
  type: string,
  handler: unknown,
  options?: AddEventListenerOptions
): void;
function addEventListener(
  this: EventTargetHost,
  type: string,
  handler: unknown,
  options: AddEventListenerOptions = {}
): void {
  const forOnEventAttribute = !!options[kForOnEventAttribute];

  for (const listener of this.listeners(type) as MarkedListener[]) {
    if (
      !forOnEventAttribute &&
      listener[kListener] === handler &&
      !listener[kForOnEventAttribute]
    ) {
      return;
    }
  }

  const wrapper = createWrapper(type, handler);
  if (wrapper === null) return;

  wrapper[kForOnEventAttribute] = forOnEventAttribute;
  wrapper[kListener] = handler;

  if (options.once) {
    this.once(type, wrapper);
  } else {
    this.on(type, wrapper);
  }
}

/**
 * Remove a handler added with `addEventListener` for `type`. Listeners added
 * with `on()` and attribute handlers (`onmessage = f`) are never removed by
 * this; only the first match is removed.
 *
 * @param type - the event type
 * @param handler - the handler passed to `addEventListener`
 */
function removeEventListener<K extends WebSocketEventType>(
  this: EventTargetHost,
  type: K,
  handler: EventListenerLike<WebSocketEventMap[K]>
): void;
function removeEventListener(this: EventTargetHost, type: string, handler: unknown): void;
function removeEventListener(this: EventTargetHost, type: string, handler: unknown): void {
  for (const listener of this.listeners(type) as MarkedListener[]) {
    if (listener[kListener] === handler && !listener[kForOnEventAttribute]) {
      this.removeListener(type, listener);
      break;
    }
  }
}

/**
 * The emitter listener that turns the emitter's arguments into the event
 * object for `type` and calls `handler`; `null` for an unknown type.
 * `this` inside the wrapper is the emitter at emit time (the event target).
 */
function createWrapper(type: string, handler: unknown): MarkedListener | null {
  switch (type) {
    case 'message':
      return function onMessage(this: EventTargetHost, data: Stringable, isBinary: boolean) {
        const event = new MessageEvent('message', {
          data: isBinary ? data : data.toString()
        });
        dispatch(handler, this, event);
      };
    case 'close':
      return function onClose(this: EventTargetHost, code: number, reason: Stringable) {
        const event = new CloseEvent('close', {
          code,
          reason: reason.toString(),
          // `ws` passes the raw `&&` result, which is `undefined` → default
          // `false` if a host lacks the flags; `!!` gives the same value.
          wasClean: !!(this._closeFrameReceived && this._closeFrameSent)
        });
        dispatch(handler, this, event);
      };
    case 'error':
      return function onError(this: EventTargetHost, error: Error) {
        const event = new ErrorEvent('error', { error, message: error.message });
        dispatch(handler, this, event);
      };
    case 'open':
      return function onOpen(this: EventTargetHost) {
        dispatch(handler, this, new Event('open'));
      };
    default:
      return null;
  }
}

/**
 * Set the event's target and call the handler the way `ws` does: an object
 * with a truthy `handleEvent` gets `handleEvent.call(object, event)`,
 * anything else is called as a function with the target as `this` (so an
 * object without `handleEvent` throws a `TypeError` at dispatch time, as in
 * `ws`).
 */
function dispatch(handler: unknown, target: EventTargetHost, event: Event): void {
  event[kTarget] = target;

  if (typeof handler === 'object' && (handler as { handleEvent?: unknown } | null)?.handleEvent) {
    const listener = handler as { handleEvent(event: Event): void };
    listener.handleEvent.call(listener, event);
  } else {
    (handler as (this: unknown, event: Event) => void).call(target, event);
  }
}

/**
 * The `EventTarget` mixin: install both methods on the WebSocket prototype
 * (`WebSocket.prototype.addEventListener = EventTarget.addEventListener`, or
 * delegate to them from class methods).
 */
export const EventTarget = { addEventListener, removeEventListener };

/** The `on<event>` attributes that `defineEventHandlerProperties` adds. */
export const EVENT_HANDLER_ATTRIBUTES = ['open', 'error', 'close', 'message'] as const;

/**
 * What the `on<event>` accessors need from `this`: the emitter methods and
 * the (possibly overridden) `addEventListener`, which they call through
 * `this` like `ws` does, so a subclass override sees attribute handlers too.
 */
export interface EventHandlerHost extends EventTargetHost {
  addEventListener(type: string, handler: unknown, options?: AddEventListenerOptions): void;
}

/**
 * Define the enumerable `onopen`, `onerror`, `onclose` and `onmessage`
 * accessors on `proto`, with `ws` semantics: the getter returns the handler
 * set through the attribute (or `null`); the setter removes the previous one
 * and, if the new value is a function, adds it with `addEventListener` at
 * the end of the listener list. Non-functions (`null`, objects) just clear.
 *
 * Call it once on `WebSocket.prototype`. The class must not declare these
 * as initialised fields (an own instance property would shadow the
 * accessor); use `declare onmessage: ...` for the types.
 *
 * @param proto - the prototype to define the accessors on
 */
export function defineEventHandlerProperties(proto: object): void {
  for (const method of EVENT_HANDLER_ATTRIBUTES) {
    Object.defineProperty(proto, `on${method}`, {
      // Configurable like in `ws`, where they replace class accessors.
      configurable: true,
      enumerable: true,
      get(this: EventHandlerHost): unknown {
        for (const listener of this.listeners(method) as MarkedListener[]) {
          if (listener[kForOnEventAttribute]) return listener[kListener];
        }
        return null;
      },
      set(this: EventHandlerHost, handler: unknown) {
        for (const listener of this.listeners(method) as MarkedListener[]) {
          if (listener[kForOnEventAttribute]) {
            this.removeListener(method, listener);
            break;
          }
        }

        if (typeof handler !== 'function') return;

        this.addEventListener(method, handler, { [kForOnEventAttribute]: true });
      }
    });
  }
}
