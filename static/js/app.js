// Scripts arrive with the features that need them (self check-in, the
// offline-tolerant attendance sheet). Every page works without JavaScript.
