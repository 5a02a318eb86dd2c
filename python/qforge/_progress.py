"""The progress line Model.fit prints (verbose=1), in the shape Keras users know."""
import sys


class ProgressBar:
    def __init__(self, stream=None, width=30):
        self.stream = stream or sys.stdout
        self.width = width
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()

    def __call__(self, event, m):
        if event == "batch":
            if not self.tty and m["batch"] != m["batches"]:
                return  # a log file gets one line per epoch, not carriage returns
            done = int(self.width * m["batch"] / m["batches"])
            bar = "=" * max(done - 1, 0) + (">" if done < self.width else "=") + "." * (self.width - done)
            self.stream.write(f"\rEpoch {m['epoch']}/{m['epochs']} {m['batch']}/{m['batches']} [{bar}] "
                              f"loss {m['loss']:.4f} - accuracy {m['accuracy']:.4f} - "
                              f"{m['images_per_second']:.0f} images/s")
        else:
            val = "" if m["val_accuracy"] is None or m["val_accuracy"] != m["val_accuracy"] else (
                f" - val_loss {m['val_loss']:.4f} - val_accuracy {m['val_accuracy']:.4f}")
            self.stream.write(f"{val} ({m['seconds']:.1f} s)\n")
        self.stream.flush()
