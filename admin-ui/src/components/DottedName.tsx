/**
 * A stream name that wraps only between its parts (after a "." or "_"), never inside a word:
 * "subscription.payment_failure" may become "subscription." / "payment_failure" on a narrow
 * cell, but not "subscription.pl…" or "subscr" / "iption".
 */
export function DottedName({ name }: { name: string }) {
  return (
    <>
      {name.split(/(?<=[._])/).flatMap((part, i) => [
        ...(i > 0 ? [<wbr key={`b${i}`} />] : []),
        <span key={i} class="name-part">
          {part}
        </span>,
      ])}
    </>
  )
}
