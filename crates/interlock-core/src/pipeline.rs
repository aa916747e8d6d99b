//! Two halves of an import on two threads: reading and translating the source file on one,
//! validating and writing on the other, with at most [`IN_FLIGHT`] pieces between them so
//! that memory stays bounded whatever the file's size. The JSON Lines reader and the
//! plugin host both import this way.

/// Pieces the reading half may be ahead of the writing half.
pub const IN_FLIGHT: usize = 2;

/// Runs `produce` on a thread of its own and `consume` on this one, `produce` handing over
/// each piece with the `send` it is given. `send` returns `false` once the consumer has
/// stopped (it failed): `produce` should then stop too. Returns what `produce` returned
/// and the consumer's first failure, which is the cause when both failed.
pub fn pipeline<T, R, E>(
    produce: impl FnOnce(&mut dyn FnMut(T) -> bool) -> R + Send,
    mut consume: impl FnMut(T) -> Result<(), E>,
) -> (R, Result<(), E>)
where
    T: Send,
    R: Send,
{
    std::thread::scope(|scope| {
        let (sender, receiver) = std::sync::mpsc::sync_channel(IN_FLIGHT);
        let producer = scope.spawn(move || {
            let mut send = |piece: T| sender.send(piece).is_ok();
            produce(&mut send)
        });
        let mut consumed = Ok(());
        for piece in receiver.iter() {
            if let Err(error) = consume(piece) {
                consumed = Err(error);
                break;
            }
        }
        // Closing the channel tells the producer to stop.
        drop(receiver);
        let produced = match producer.join() {
            Ok(produced) => produced,
            // The producer's panic is not ours to swallow.
            Err(panic) => std::panic::resume_unwind(panic),
        };
        (produced, consumed)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_piece_arrives_in_order() {
        let (sent, consumed) = pipeline(|send| (0..1000).take_while(|n| send(*n)).count(), {
            let mut expected = 0;
            move |n: i32| {
                assert_eq!(n, expected);
                expected += 1;
                Ok::<(), ()>(())
            }
        });
        assert_eq!(sent, 1000);
        assert_eq!(consumed, Ok(()));
    }

    #[test]
    fn a_consumer_failure_stops_the_producer() {
        let (sent, consumed) = pipeline(
            |send| (0..1_000_000).take_while(|n| send(*n)).count(),
            |n: i32| if n == 10 { Err(n) } else { Ok(()) },
        );
        assert_eq!(consumed, Err(10));
        // What was in flight when the consumer stopped, and no more.
        assert!(sent <= 11 + IN_FLIGHT, "{sent} pieces were sent");
    }
}
